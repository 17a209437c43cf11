import type { ScfClient, TdmqClient } from '../tencent/clients.js';
import { apiCodeOf } from '../tencent/index.js';
import { messageOf } from '../util/errors.js';
import type { Action, CurrentState, FunctionState, TriggerState } from './plan.js';
import { FUNCTION_ROLES, names, type Deployment, type FunctionRole } from './schema.js';

export interface DeployClients {
  readonly scf: ScfClient;
  readonly tdmq: TdmqClient;
}

const notFound = (err: unknown): boolean => /ResourceNotFound|NotFound|not exist/i.test(apiCodeOf(err) + messageOf(err));

async function orUndefined<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (notFound(err)) return undefined;
    throw err;
  }
}

/** Reads what the description manages (its functions, their triggers, async config, queues). */
export async function readState(d: Deployment, c: DeployClients, wait: WaitOptions = {}): Promise<CurrentState> {
  const n = names(d);
  const functions: Partial<Record<FunctionRole, FunctionState>> = {};
  const triggers: Partial<Record<FunctionRole, TriggerState[]>> = {};
  for (const role of FUNCTION_ROLES) {
    const get = () => orUndefined(() => c.scf.GetFunction({ FunctionName: n.fn(role), Namespace: d.namespace }));
    let f = await get();
    if (!f) continue;
    if (TRANSITIONAL.has(f.Status ?? '')) {
      // a change still in progress (an interrupted deploy, someone else's): read the state it settles in
      await waitUntilActive(c.scf, n.fn(role), d.namespace, `a change in progress (${f.Status})`, wait);
      f = (await get()) ?? f;
    }
    functions[role] = {
      description: f.Description ?? '',
      memory: f.MemorySize ?? 0,
      timeout: f.Timeout ?? 0,
      role: f.Role,
      environment: Object.fromEntries((f.Environment?.Variables ?? []).map((v) => [v.Key ?? '', v.Value ?? ''])),
    };
    const list = await c.scf.ListTriggers({ FunctionName: n.fn(role), Namespace: d.namespace, Limit: 100 });
    triggers[role] = (list.Triggers ?? []).map((t) => ({
      name: t.TriggerName ?? '',
      type: t.Type ?? '',
      desc: t.TriggerDesc ?? '',
      ...(t.CustomArgument ? { customArgument: t.CustomArgument } : {}),
    }));
  }
  let asyncRetry: CurrentState['asyncRetry'];
  if (functions.transfer) {
    const cfg = await orUndefined(() => c.scf.GetFunctionEventInvokeConfig({ FunctionName: n.fn('transfer'), Namespace: d.namespace }));
    const a = cfg?.AsyncTriggerConfig;
    if (a) asyncRetry = { retries: a.RetryConfig?.[0]?.RetryNum ?? 2, ttlSeconds: a.MsgTTL ?? 21600 };
  }
  const queues: CurrentState['queues'] = {};
  if (d.queue.kind === 'tdmq-cmq') {
    for (const q of [n.queue, n.deadLetter]) {
      const detail = await orUndefined(() => c.tdmq.DescribeCmqQueueDetail({ QueueName: q }));
      queues[q] = detail?.QueueDescribe
        ? { visibilityTimeout: detail.QueueDescribe.VisibilityTimeout ?? 0, maxReceiveCount: detail.QueueDescribe.DeadLetterPolicy?.MaxReceiveCount ?? 0 }
        : undefined;
    }
  }
  return { functions, triggers, ...(asyncRetry ? { asyncRetry } : {}), queues };
}

/** SCF calls that run asynchronously: the function is Creating/Updating/Publishing until it turns Active or fails. */
const ASYNC_SCF = new Set(['CreateFunction', 'UpdateFunctionCode', 'UpdateFunctionConfiguration', 'PublishVersion']);
const TRANSITIONAL = new Set(['Creating', 'Updating', 'Publishing']);

export interface WaitOptions {
  /** First pause between two GetFunction polls; it doubles up to 5 s. @default 250 */
  readonly intervalMs?: number;
  /** How long one operation may take before deploy gives up. @default 300000 (5 min) */
  readonly timeoutMs?: number;
}

/** A function that ended in a failed status, or did not turn Active in time. */
export class DeployError extends Error {
  constructor(
    readonly code: 'FUNCTION_FAILED' | 'FUNCTION_TIMEOUT',
    message: string,
  ) {
    super(message);
    this.name = 'DeployError';
  }
}

/**
 * Polls GetFunction until the function is Active (SCF's create, update and publish calls are asynchronous:
 * https://tencentcloud.com/document/product/583/37883); a failed status (CreateFailed, UpdateFailed,
 * PublishFailed, ...) fails with its StatusReasons, and so does the deadline.
 */
export async function waitUntilActive(scf: ScfClient, name: string, namespace: string, after: string, o: WaitOptions = {}): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 300_000;
  const deadline = Date.now() + timeoutMs;
  let pause = o.intervalMs ?? 250;
  for (;;) {
    const f = await scf.GetFunction({ FunctionName: name, Namespace: namespace });
    const status = f.Status ?? '';
    if (status === 'Active') return;
    if (!TRANSITIONAL.has(status)) {
      const reasons = (f.StatusReasons ?? []).map((r) => `${r.ErrorCode ?? '?'}: ${r.ErrorMessage ?? ''}`).join('; ') || f.StatusDesc || 'no reason given';
      throw new DeployError('FUNCTION_FAILED', `function ${name} is ${status || 'in an unknown status'} after ${after}: ${reasons}`);
    }
    if (Date.now() + pause > deadline)
      throw new DeployError('FUNCTION_TIMEOUT', `function ${name} is still ${status} ${Math.round(timeoutMs / 1000)} s after ${after}`);
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 5000);
  }
}

/**
 * Runs the plan's calls in order; `onAction` reports each before it is made. After each asynchronous SCF call
 * it waits for the function to be Active, because SCF refuses the next change to a function that is not.
 */
export async function execute(actions: readonly Action[], c: DeployClients, onAction: (a: Action) => void = () => {}, wait: WaitOptions = {}): Promise<void> {
  for (const a of actions) {
    onAction(a);
    const client = (a.service === 'scf' ? c.scf : c.tdmq) as unknown as Record<string, (p: unknown) => Promise<unknown>>;
    const call = client[a.action];
    if (typeof call !== 'function') throw new Error(`${a.service} has no action ${a.action}`);
    await call.call(client, a.params);
    if (a.service === 'scf' && ASYNC_SCF.has(a.action))
      await waitUntilActive(c.scf, String(a.params.FunctionName), String(a.params.Namespace ?? 'default'), a.action, wait);
  }
}
