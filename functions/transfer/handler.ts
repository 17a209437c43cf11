import type { TransferTask } from '../../lib/planner/index.js';
import type { TaskResult } from '../../lib/report/index.js';
import { checkpointsIn, transferAndRecord } from '../../lib/usecases/index.js';
import { deadlineFrom, type Deadline } from '../_shared/deadline.js';
import { ScfContext } from '../_shared/scf-context.js';
import { transferDeps, wire, type Wiring } from '../_shared/wiring.js';
import { parseTransferEvent } from './event.js';

let wiring: Wiring | undefined;

/** Out of time (hard abort or a suspended checkpointed upload): the task must run again. */
const unfinished = (r: TaskResult): boolean => r.status === 'failed' && ['ABORTED', 'SUSPENDED'].includes(r.error?.code ?? '');

async function runTask(w: Wiring, task: TransferTask, attempt: number, deadline: Deadline): Promise<TaskResult> {
  if (task.targetLogin) w.useTcrLogin(task.target.registry, task.targetLogin.registryId, task.targetLogin.region);
  const deps = { ...transferDeps(await w.pool()), store: w.store, resumable: { store: checkpointsIn(w.store), stopSignal: deadline.signal } };
  return transferAndRecord(deps, task, { signal: deadline.hard, attempt });
}

/** TDMQ-CMQ worker: receive, transfer, delete, until the queue is empty or the deadline nears. */
async function drain(w: Wiring, deadline: Deadline): Promise<{ processed: number; more: boolean }> {
  let processed = 0;
  while (!deadline.signal.aborted) {
    const [message] = await w.source!.receive(1, 5, deadline.signal).catch(() => []);
    if (!message) return { processed, more: false };
    const result = await runTask(w, message.task, message.deliveries, deadline);
    // unfinished work is not deleted: the message comes back after its visibility timeout
    if (!unfinished(result)) await message.ack();
    processed += 1;
  }
  return { processed, more: true };
}

/** Transfer: one task (SCF async), a pull worker (TDMQ-CMQ), or a timer that restarts workers. */
export async function main_handler(event: unknown, context: unknown): Promise<unknown> {
  const w = (wiring ??= wire());
  const deadline = deadlineFrom(ScfContext.parse(context ?? {}), 60_000);
  const parsed = parseTransferEvent(event);
  if (parsed.kind === 'timer') {
    if (w.source) for (let i = 0; i < w.env.IT_WORKERS; i++) await w.invoke(w.env.IT_TRANSFER_FUNCTION, { worker: {} });
    return { restarted: w.source ? w.env.IT_WORKERS : 0 };
  }
  if (parsed.kind === 'worker') {
    if (!w.source) throw new Error('a worker event needs IT_QUEUE=tdmq-cmq');
    const outcome = await drain(w, deadline);
    if (outcome.more) await w.invoke(w.env.IT_TRANSFER_FUNCTION, { worker: {} });
    return outcome;
  }
  const result = await runTask(w, parsed.task, parsed.attempt, deadline);
  if (unfinished(result)) await w.invoke(w.env.IT_TRANSFER_FUNCTION, { task: parsed.task, attempt: parsed.attempt + 1 });
  return { taskId: result.taskId, status: result.status, ...(result.error ? { error: result.error.code } : {}) };
}
