import { environmentOf, FUNCTION_ROLES, names, triggersOf, type Deployment, type FunctionRole } from './schema.js';

/** One cloud API call of a deployment plan. */
export interface Action {
  readonly service: 'scf' | 'tdmq';
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly why: string;
}

export interface FunctionState {
  readonly description: string;
  readonly memory: number;
  readonly timeout: number;
  readonly role?: string;
  readonly environment: Record<string, string>;
}
export interface TriggerState {
  readonly name: string;
  readonly type: string;
  readonly desc: string;
  readonly customArgument?: string;
}

/** What exists now, as read through the APIs (undefined: absent). */
export interface CurrentState {
  readonly functions: Partial<Record<FunctionRole, FunctionState>>;
  readonly triggers: Partial<Record<FunctionRole, TriggerState[]>>;
  readonly asyncRetry?: { retries: number; ttlSeconds: number };
  readonly queues: Record<string, { visibilityTimeout: number; maxReceiveCount: number } | undefined>;
}

export interface FunctionCode {
  readonly zipBase64: string;
  /** sha256 of the bundle, recorded in the function's description to detect changes. */
  readonly sha256: string;
}

export const NOTHING: CurrentState = { functions: {}, triggers: {}, queues: {} };

const same = (a: Record<string, string>, b: Record<string, string>) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

const parseJson = (s: string): unknown => {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Every field `want` sets has that value in `have`; fields only `have` carries (SCF's defaults) are ignored. */
const covers = (want: unknown, have: unknown): boolean =>
  isObject(want) ? isObject(have) && Object.entries(want).every(([k, v]) => covers(v, have[k])) : JSON.stringify(want) === JSON.stringify(have);
const cronOf = (desc: string): string => {
  const j = parseJson(desc);
  return (isObject(j) && typeof j.cron === 'string' ? j.cron : desc).trim();
};

/**
 * Whether a declared TriggerDesc matches the one ListTriggers returns. SCF stores a timer's cron as
 * `{"cron":"..."}` and a Function URL's JSON with the defaults it fills in (ApiGwCompatible, CorsConfig, ...),
 * so both sides are normalised: the cron is compared, and the JSON fields we declare (as the Terraform
 * provider compares them, keepTriggerDescFieldsByConfig).
 */
export function sameTriggerDesc(type: string, want: string, have: string): boolean {
  if (type === 'timer') return cronOf(want) === cronOf(have);
  const w = parseJson(want);
  const h = parseJson(have);
  return w === undefined || h === undefined ? want === have : covers(w, h);
}

const sameTrigger = (w: TriggerState, t: TriggerState): boolean =>
  w.type === t.type && sameTriggerDesc(w.type, w.desc, t.desc) && (w.customArgument ?? '') === (t.customArgument ?? '');

/** The triggers of a function as CreateTrigger takes them (the doctor compares them with ListTriggers too). */
export function desiredTriggers(d: Deployment, role: FunctionRole): TriggerState[] {
  return triggersOf(d, role).map((t) =>
    t.type === 'timer'
      ? { name: t.name, type: 'timer', desc: t.cron, ...(t.message ? { customArgument: t.message } : {}) }
      : { name: t.name, type: 'http', desc: JSON.stringify({ AuthType: t.auth, NetConfig: { EnableIntranet: t.intranet, EnableExtranet: !t.intranet } }) },
  );
}

export function queueActions(d: Deployment, current: CurrentState): Action[] {
  if (d.queue.kind !== 'tdmq-cmq') return [];
  const n = names(d);
  const q = d.queue;
  const out: Action[] = [];
  if (!current.queues[n.deadLetter])
    out.push({
      service: 'tdmq',
      action: 'CreateCmqQueue',
      params: { QueueName: n.deadLetter, VisibilityTimeout: 30, MsgRetentionSeconds: q.retentionSeconds },
      why: 'dead-letter queue missing',
    });
  const main = {
    QueueName: n.queue,
    VisibilityTimeout: q.visibilityTimeout,
    MsgRetentionSeconds: q.retentionSeconds,
    DeadLetterQueueName: n.deadLetter,
    Policy: 0,
    MaxReceiveCount: q.maxReceiveCount,
  };
  const have = current.queues[n.queue];
  if (!have) out.push({ service: 'tdmq', action: 'CreateCmqQueue', params: main, why: 'task queue missing' });
  else if (have.visibilityTimeout !== q.visibilityTimeout || have.maxReceiveCount !== q.maxReceiveCount)
    out.push({ service: 'tdmq', action: 'ModifyCmqQueueAttribute', params: main, why: 'task queue settings changed' });
  return out;
}

function functionActions(d: Deployment, role: FunctionRole, code: FunctionCode, version: string, current: CurrentState): Action[] {
  const name = names(d).fn(role);
  const spec = d.functions[role];
  const description = `image-transfer ${version} code ${code.sha256.slice(0, 16)}`;
  const env = environmentOf(d);
  const config = {
    FunctionName: name,
    Namespace: d.namespace,
    MemorySize: spec.memory,
    Timeout: spec.timeout,
    Role: d.role,
    Description: description,
    Environment: { Variables: Object.entries(env).map(([Key, Value]) => ({ Key, Value })) },
    ...(d.vpc ? { VpcConfig: { VpcId: d.vpc.vpcId, SubnetId: d.vpc.subnetId } } : {}),
  };
  const have = current.functions[role];
  const out: Action[] = [];
  if (!have) {
    out.push({
      service: 'scf',
      action: 'CreateFunction',
      params: { ...config, Handler: 'index.main_handler', Runtime: d.runtime, Code: { ZipFile: code.zipBase64 }, Type: 'Event' },
      why: 'function missing',
    });
  } else {
    if (!have.description.includes(code.sha256.slice(0, 16)))
      out.push({
        service: 'scf',
        action: 'UpdateFunctionCode',
        params: { FunctionName: name, Namespace: d.namespace, Handler: 'index.main_handler', ZipFile: code.zipBase64 },
        why: 'code changed',
      });
    if (
      have.memory !== spec.memory ||
      have.timeout !== spec.timeout ||
      have.role !== d.role ||
      !same(have.environment, env) ||
      have.description !== description
    ) {
      out.push({ service: 'scf', action: 'UpdateFunctionConfiguration', params: config, why: 'configuration changed' });
    }
  }
  const want = desiredTriggers(d, role);
  const existing = current.triggers[role] ?? [];
  for (const t of existing) {
    const w = want.find((x) => x.name === t.name);
    if (!w || !sameTrigger(w, t)) {
      out.push({
        service: 'scf',
        action: 'DeleteTrigger',
        params: { FunctionName: name, Namespace: d.namespace, TriggerName: t.name, Type: t.type, Qualifier: '$DEFAULT' },
        why: w ? 'trigger changed' : 'trigger no longer declared',
      });
    }
  }
  for (const w of want) {
    const t = existing.find((x) => x.name === w.name);
    if (!t || !sameTrigger(w, t)) {
      out.push({
        service: 'scf',
        action: 'CreateTrigger',
        params: {
          FunctionName: name,
          Namespace: d.namespace,
          TriggerName: w.name,
          Type: w.type,
          TriggerDesc: w.desc,
          Qualifier: '$DEFAULT',
          Enable: 'OPEN',
          ...(w.customArgument ? { CustomArgument: w.customArgument } : {}),
        },
        why: t ? 'trigger changed' : 'trigger missing',
      });
    }
  }
  if (role === 'transfer' && d.queue.kind === 'scf-async') {
    const wantRetry = { retries: d.queue.retries, ttlSeconds: d.queue.ttlSeconds };
    if (current.asyncRetry?.retries !== wantRetry.retries || current.asyncRetry.ttlSeconds !== wantRetry.ttlSeconds) {
      out.push({
        service: 'scf',
        action: 'UpdateFunctionEventInvokeConfig',
        params: {
          FunctionName: name,
          Namespace: d.namespace,
          AsyncTriggerConfig: { RetryConfig: [{ RetryNum: wantRetry.retries }], MsgTTL: wantRetry.ttlSeconds },
        },
        why: 'async retry settings',
      });
    }
  }
  if (out.some((a) => a.service === 'scf' && a.action !== 'UpdateFunctionEventInvokeConfig' && !a.action.endsWith('Trigger'))) {
    out.push({
      service: 'scf',
      action: 'PublishVersion',
      params: { FunctionName: name, Namespace: d.namespace, Description: description },
      why: 'new code or configuration',
    });
  }
  return out;
}

/** Idempotent plan: what to call so the cloud matches the description; [] when nothing changed. */
export function planDeploy(d: Deployment, code: Record<FunctionRole, FunctionCode>, version: string, current: CurrentState = NOTHING): Action[] {
  return [...queueActions(d, current), ...FUNCTION_ROLES.flatMap((role) => functionActions(d, role, code[role], version, current))];
}

/** Removes what deploy created (triggers, functions, queues) and only that. */
export function planUndeploy(d: Deployment, current: CurrentState): Action[] {
  const n = names(d);
  const out: Action[] = [];
  for (const role of FUNCTION_ROLES) {
    for (const t of current.triggers[role] ?? [])
      out.push({
        service: 'scf',
        action: 'DeleteTrigger',
        params: { FunctionName: n.fn(role), Namespace: d.namespace, TriggerName: t.name, Type: t.type, Qualifier: '$DEFAULT' },
        why: 'undeploy',
      });
    if (current.functions[role])
      out.push({ service: 'scf', action: 'DeleteFunction', params: { FunctionName: n.fn(role), Namespace: d.namespace }, why: 'undeploy' });
  }
  for (const q of [n.queue, n.deadLetter])
    if (current.queues[q]) out.push({ service: 'tdmq', action: 'DeleteCmqQueue', params: { QueueName: q }, why: 'undeploy' });
  return out;
}
