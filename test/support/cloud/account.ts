import { CloudApiError } from './tc3.js';
import type { CloudFake } from './server.js';

/** `StatusReason` of scf_models.d.ts (tencentcloud-sdk-nodejs, scf v20180416). */
export interface StatusReason {
  readonly ErrorCode: string;
  readonly ErrorMessage: string;
}

/**
 * Function statuses, from "Function and Layer Status Description" (https://tencentcloud.com/document/product/583/37883):
 * create, update and publish are asynchronous ("as the API is async, you need to query its current status first");
 * Creating -> Active | CreateFailed, Updating -> Active | UpdateFailed, Publishing -> Active | PublishFailed.
 * The same names are the constants of the tencentcloud Terraform provider (services/scf/extension_scf.go), whose
 * waitScfFunctionReady (services/scf/service_tencentcloud_scf.go) polls GetFunction until Status is Active.
 */
type Transitional = 'Creating' | 'Updating' | 'Publishing';
const SETTLES_TO: Record<Transitional, { ok: 'Active'; failed: string }> = {
  Creating: { ok: 'Active', failed: 'CreateFailed' },
  Updating: { ok: 'Active', failed: 'UpdateFailed' },
  Publishing: { ok: 'Active', failed: 'PublishFailed' },
};

interface Fn {
  params: Record<string, unknown>;
  triggers: Map<string, Record<string, unknown>>;
  versions: number;
  asyncConfig?: unknown;
  status: string;
  statusReasons: StatusReason[];
  /** While transitional: GetFunction answers left before it settles, the earliest time it settles, and how. */
  pending?: { polls: number; until: number; reason?: StatusReason };
}

/** How long the asynchronous SCF operations take; the test decides (both bounds must pass). */
export interface ScfTiming {
  /** GetFunction answers that still show the transitional status. @default 1 */
  busyPolls: number;
  /** Milliseconds the transitional status lasts at least. @default 0 */
  busyMs: number;
  /** `function name -> action -> reason`: that operation ends in the failed status with this reason. */
  failures: Map<string, Map<string, StatusReason>>;
}

/**
 * What a mutating call on a function that is not Active answers. Codes and messages from the SCF error code
 * list of tencentcloud-sdk-go (tencentcloud/scf/v20180416/errors.go; client.go lists them under each action):
 * UpdateFunctionCode "当前函数状态无法更新代码，请在状态为正常时更新。", PublishVersion "当前函数状态无法发布版本，请在状态为正常时发布。",
 * UpdateFunctionConfiguration "UpdateFunctionConfiguration操作失败。", CreateTrigger "当前函数状态无法进行此操作。",
 * DeleteFunction "当前函数状态无法进行此操作，请在函数状态正常时重试。", DeleteTrigger "删除触发器失败。", and for any other
 * operation on a function being deployed FailedOperation.FunctionStatusError "函数在部署中,无法做此操作。".
 */
const REFUSAL: Record<string, { code: string; message: string }> = {
  UpdateFunctionCode: { code: 'FailedOperation.UpdateFunctionCode', message: '当前函数状态无法更新代码，请在状态为正常时更新。' },
  UpdateFunctionConfiguration: { code: 'FailedOperation.UpdateFunctionConfiguration', message: 'UpdateFunctionConfiguration操作失败。' },
  PublishVersion: { code: 'FailedOperation.PublishVersion', message: '当前函数状态无法发布版本，请在状态为正常时发布。' },
  CreateTrigger: { code: 'FailedOperation.CreateTrigger', message: '当前函数状态无法进行此操作。' },
  DeleteFunction: { code: 'FailedOperation.DeleteFunction', message: '当前函数状态无法进行此操作，请在函数状态正常时重试。' },
  DeleteTrigger: { code: 'FailedOperation.DeleteTrigger', message: '删除触发器失败。' },
};
const DEPLOYING = { code: 'FailedOperation.FunctionStatusError', message: '函数在部署中,无法做此操作。' };

/**
 * A Function URL's TriggerDesc as CreateTrigger (Type http) takes it: AuthType (CAM | NONE) and NetConfig with both
 * EnableIntranet and EnableExtranet are required, CorsConfig is optional ("创建函数 URL",
 * https://cloud.tencent.com/document/product/583/100227). Refused with InvalidParameterValue.TriggerDesc
 * ("TriggerDesc传入参数错误。", tencentcloud-sdk-go scf errors.go).
 */
function checkFunctionUrlDesc(desc: string): void {
  let d: { AuthType?: unknown; NetConfig?: { EnableIntranet?: unknown; EnableExtranet?: unknown } };
  try {
    d = JSON.parse(desc);
  } catch {
    throw new CloudApiError('InvalidParameterValue.TriggerDesc', 'TriggerDesc传入参数错误。');
  }
  const net = d.NetConfig;
  if (!['CAM', 'NONE'].includes(String(d.AuthType)) || typeof net?.EnableIntranet !== 'boolean' || typeof net.EnableExtranet !== 'boolean')
    throw new CloudApiError('InvalidParameterValue.TriggerDesc', 'TriggerDesc传入参数错误。');
}

/**
 * TriggerDesc as SCF stores it and ListTriggers/GetFunction return it.
 * - timer: `{"cron":"<expression>"}`: the Terraform provider unmarshals a timer's TriggerDesc into
 *   `struct{ Cron string \`json:"cron"\` }` (services/scf/resource_tc_scf_function.go) and its ListTriggers fixtures
 *   answer `{"cron":"*\/5 * * * * *"}` (services/scf/resource_tc_scf_trigger_test.go).
 * - http (Function URL): the JSON with the fields SCF fills in; the provider's own example of a read-back
 *   Function URL trigger (services/scf/resource_tc_scf_trigger.md) carries ApiGwCompatible, CorsConfig and
 *   EnableSimpleMode beside AuthType and NetConfig, and the provider keeps only the configured keys when it
 *   compares (keepTriggerDescFieldsByConfig in resource_tc_scf_trigger.go). The default values are assumed
 *   (false, as in that example); CorsConfig's fields are those of product/583/100227.
 */
export function storedTriggerDesc(type: string, desc: string): string {
  if (type === 'timer') return JSON.stringify({ cron: desc });
  if (type !== 'http') return desc;
  const given = JSON.parse(desc) as Record<string, unknown>;
  const net = (given.NetConfig ?? {}) as Record<string, unknown>;
  return JSON.stringify({
    ApiGwCompatible: false,
    AuthType: given.AuthType ?? 'NONE',
    CorsConfig: { Credentials: false, Enable: false, MaxAge: 0, ...(given.CorsConfig as object) },
    EnableSimpleMode: false,
    NetConfig: { EnableExtranet: net.EnableExtranet ?? true, EnableIntranet: net.EnableIntranet ?? false },
    ...Object.fromEntries(Object.entries(given).filter(([k]) => !['AuthType', 'CorsConfig', 'NetConfig'].includes(k))),
  });
}

export interface Account {
  functions: Map<string, Fn>;
  queues: Map<string, Record<string, unknown>>;
  timing: ScfTiming;
}

/** An in-memory SCF + TDMQ-CMQ account behind the cloud fake: what deploy/undeploy create and read. */
export function installAccount(cloud: CloudFake, timing: Partial<ScfTiming> = {}): Account {
  const functions = new Map<string, Fn>();
  const queues = new Map<string, Record<string, unknown>>();
  const t: ScfTiming = { busyPolls: 1, busyMs: 0, failures: new Map(), ...timing };
  const fn = (p: Record<string, unknown>): Fn => {
    const f = functions.get(String(p.FunctionName));
    if (!f) throw new CloudApiError('ResourceNotFound.Function', `function ${String(p.FunctionName)} does not exist`);
    return f;
  };
  const settle = (f: Fn): void => {
    if (!f.pending || f.pending.polls > 0 || Date.now() < f.pending.until) return;
    const to = SETTLES_TO[f.status as Transitional];
    f.status = f.pending.reason ? to.failed : to.ok;
    f.statusReasons = f.pending.reason ? [f.pending.reason] : [];
    f.pending = undefined;
  };
  /** A mutating call: refused unless the function is settled, then it starts the asynchronous operation. */
  const mutate = (p: Record<string, unknown>, action: string, next?: Transitional): Fn => {
    const f = fn(p);
    settle(f);
    if (f.pending) {
      const r = REFUSAL[action] ?? DEPLOYING;
      throw new CloudApiError(r.code, r.message);
    }
    if (next) begin(f, String(p.FunctionName), action, next);
    return f;
  };
  const begin = (f: Fn, name: string, action: string, next: Transitional): void => {
    const reason = t.failures.get(name)?.get(action);
    f.status = next;
    f.pending = { polls: t.busyPolls, until: Date.now() + t.busyMs, ...(reason ? { reason } : {}) };
  };
  const h = cloud.handlers;
  h['scf.GetFunction'] = (p) => {
    const f = fn(p);
    settle(f);
    const answer = {
      ...f.params,
      FunctionName: p.FunctionName,
      Triggers: [...f.triggers.values()],
      Status: f.status,
      StatusDesc: f.statusReasons[0]?.ErrorMessage ?? '',
      StatusReasons: f.statusReasons,
    };
    if (f.pending) f.pending.polls--;
    return answer;
  };
  h['scf.CreateFunction'] = (p) => {
    if (functions.has(String(p.FunctionName))) throw new CloudApiError('ResourceInUse.Function', 'exists');
    if (p.Runtime !== 'Nodejs20.19' || !(p.Code as { ZipFile?: string })?.ZipFile) throw new CloudApiError('InvalidParameterValue', 'runtime or code');
    const f: Fn = { params: { ...p, Code: undefined }, triggers: new Map(), versions: 0, status: 'Creating', statusReasons: [] };
    functions.set(String(p.FunctionName), f);
    begin(f, String(p.FunctionName), 'CreateFunction', 'Creating');
    return {};
  };
  h['scf.UpdateFunctionCode'] = (p) => (mutate(p, 'UpdateFunctionCode', 'Updating'), {});
  h['scf.UpdateFunctionConfiguration'] = (p) => {
    const f = mutate(p, 'UpdateFunctionConfiguration', 'Updating');
    f.params = { ...f.params, ...p };
    return {};
  };
  h['scf.PublishVersion'] = (p) => ({ FunctionVersion: String(++mutate(p, 'PublishVersion', 'Publishing').versions) });
  h['scf.ListTriggers'] = (p) => ({ Triggers: [...fn(p).triggers.values()], TotalCount: fn(p).triggers.size });
  h['scf.CreateTrigger'] = (p) => {
    const f = mutate(p, 'CreateTrigger');
    if (f.triggers.has(String(p.TriggerName))) throw new CloudApiError('ResourceInUse.Trigger', 'exists');
    if (p.Type === 'http') checkFunctionUrlDesc(String(p.TriggerDesc ?? ''));
    f.triggers.set(String(p.TriggerName), {
      TriggerName: p.TriggerName,
      Type: p.Type,
      TriggerDesc: storedTriggerDesc(String(p.Type), String(p.TriggerDesc ?? '')),
      CustomArgument: p.CustomArgument ?? '',
    });
    return {};
  };
  h['scf.DeleteTrigger'] = (p) => (mutate(p, 'DeleteTrigger').triggers.delete(String(p.TriggerName)), {});
  h['scf.GetFunctionEventInvokeConfig'] = (p) => ({ AsyncTriggerConfig: fn(p).asyncConfig ?? { RetryConfig: [{ RetryNum: 2 }], MsgTTL: 21600 } });
  h['scf.UpdateFunctionEventInvokeConfig'] = (p) => ((mutate(p, 'UpdateFunctionEventInvokeConfig').asyncConfig = p.AsyncTriggerConfig), {});
  h['scf.DeleteFunction'] = (p) => (mutate(p, 'DeleteFunction'), functions.delete(String(p.FunctionName)), {});
  h['tdmq.DescribeCmqQueueDetail'] = (p) => {
    const q = queues.get(String(p.QueueName));
    if (!q) throw new CloudApiError('ResourceNotFound', `queue ${String(p.QueueName)} does not exist`);
    return { QueueDescribe: { ...q, DeadLetterPolicy: { MaxReceiveCount: q.MaxReceiveCount, DeadLetterQueue: q.DeadLetterQueueName } } };
  };
  h['tdmq.CreateCmqQueue'] = (p) => {
    if (queues.has(String(p.QueueName))) throw new CloudApiError('ResourceInUse', 'exists');
    if (p.DeadLetterQueueName && !queues.has(String(p.DeadLetterQueueName))) throw new CloudApiError('ResourceNotFound', 'dead-letter queue first');
    queues.set(String(p.QueueName), p);
    return { QueueId: `queue-${queues.size}` };
  };
  h['tdmq.ModifyCmqQueueAttribute'] = (p) => (queues.set(String(p.QueueName), { ...queues.get(String(p.QueueName)), ...p }), {});
  h['tdmq.DeleteCmqQueue'] = (p) => (queues.delete(String(p.QueueName)), {});
  return { functions, queues, timing: t };
}

/**
 * What a deployed function's instance sees in its environment on the stand-in: the `Environment.Variables`
 * deploy gave it (CreateFunction / UpdateFunctionConfiguration, `Environment` of scf_models.d.ts), plus what SCF
 * adds to every instance of a function with an execution role (its temporary keys TENCENTCLOUD_SECRETID /
 * SECRETKEY / SESSIONTOKEN, https://www.tencentcloud.com/document/product/583/32748, "built-in environment
 * variables"), plus what the stand-in needs: its address, and the loopback registries allowed.
 */
export function instanceEnv(account: Account, name: string, roleKeys: Record<string, string>, cloud: { proxy: string }): Record<string, string> {
  const fn = account.functions.get(name);
  if (!fn) throw new Error(`function ${name} is not deployed`);
  const vars = (fn.params.Environment as { Variables?: Array<{ Key: string; Value: string }> } | undefined)?.Variables ?? [];
  return { ...Object.fromEntries(vars.map((v) => [v.Key, v.Value])), ...roleKeys, IT_CLOUD_PROXY: cloud.proxy, IT_ALLOW_INTERNAL: '127.0.0.1' };
}
