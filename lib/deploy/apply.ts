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
export async function readState(d: Deployment, c: DeployClients): Promise<CurrentState> {
  const n = names(d);
  const functions: Partial<Record<FunctionRole, FunctionState>> = {};
  const triggers: Partial<Record<FunctionRole, TriggerState[]>> = {};
  for (const role of FUNCTION_ROLES) {
    const f = await orUndefined(() => c.scf.GetFunction({ FunctionName: n.fn(role), Namespace: d.namespace }));
    if (!f) continue;
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

/** Runs the plan's calls in order; `onAction` reports each before it is made. */
export async function execute(actions: readonly Action[], c: DeployClients, onAction: (a: Action) => void = () => {}): Promise<void> {
  for (const a of actions) {
    onAction(a);
    const client = (a.service === 'scf' ? c.scf : c.tdmq) as unknown as Record<string, (p: unknown) => Promise<unknown>>;
    const call = client[a.action];
    if (typeof call !== 'function') throw new Error(`${a.service} has no action ${a.action}`);
    await call.call(client, a.params);
  }
}
