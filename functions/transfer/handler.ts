import type { TransferTask } from '../../lib/planner/index.js';
import type { TaskResult } from '../../lib/report/index.js';
import { checkpointsIn, transferAndRecord } from '../../lib/usecases/index.js';
import { deadlineFrom, forMessage, type Deadline } from '../_shared/deadline.js';
import { ScfContext } from '../_shared/scf-context.js';
import { transferDeps, wire, type Wiring } from '../_shared/wiring.js';
import { parseTransferEvent } from './event.js';
import { recordHasCode } from '../../lib/util/errors.js';

let wiring: Wiring | undefined;

/** Out of time (hard abort or a suspended checkpointed upload): the task must run again. */
const unfinished = (r: TaskResult): boolean => r.status === 'failed' && recordHasCode(r.error, 'ABORTED', 'SUSPENDED');

async function runTask(w: Wiring, task: TransferTask, attempt: number, deadline: Deadline): Promise<TaskResult> {
  if (task.targetLogin) w.useTcrLogin(task.target.registry, task.targetLogin.registryId, task.targetLogin.region);
  const deps = { ...transferDeps(await w.pool()), store: w.store, resumable: { store: checkpointsIn(w.store), stopSignal: deadline.signal } };
  return transferAndRecord(deps, task, { signal: deadline.hard, attempt });
}

/**
 * TDMQ-CMQ worker: receive, transfer, delete, until the queue is empty or the deadline nears. A task
 * stops before its message becomes visible again (see forMessage), so no two live workers run it at
 * once; the queue's VisibilityTimeout should exceed the function's timeout, or long images never finish.
 */
async function drain(w: Wiring, deadline: Deadline): Promise<{ processed: number; more: boolean }> {
  let processed = 0;
  let warned = false;
  while (!deadline.signal.aborted) {
    const [message] = await w.source!.receive(1, 5, deadline.signal).catch(() => []);
    if (!message) return { processed, more: false };
    const own = forMessage(deadline, message.visibleUntil);
    if (own.at < deadline.at && !warned) {
      warned = true;
      console.warn(
        `the queue hides a received message for less time than this invocation has left: tasks stop ${Math.round((own.at - Date.now()) / 1000)} s after receipt; set the queue's VisibilityTimeout above the transfer function's timeout`,
      );
    }
    const result = await runTask(w, message.task, message.deliveries, own);
    // unfinished work is not deleted: the message comes back after its visibility timeout. A failed
    // delete (the receipt expired) leaves it to come back too; its next run finds the image in place.
    if (!unfinished(result))
      await message
        .ack()
        .catch((err: unknown) => console.warn(`message of task ${message.task.taskId} not deleted, it will be delivered again: ${(err as Error).message}`));
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
