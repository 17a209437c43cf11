import type { InPlaceVerdicts } from '../../lib/copy/index.js';
import type { TransferTask } from '../../lib/planner/index.js';
import type { TaskResult } from '../../lib/report/index.js';
import { checkpointsIn, isUnfinished, transferAndRecord, transferSources } from '../../lib/usecases/index.js';
import { deadlineFrom, type Deadline } from '../_shared/deadline.js';
import { ScfContext } from '../_shared/scf-context.js';
import { wire, type Wiring } from '../_shared/wiring.js';
import { parseTransferEvent } from './event.js';
import { runWorker } from './worker.js';
import { startWorkers } from '../_shared/workers.js';

let wiring: Wiring | undefined;
/** What the registries answered to a mount into a repository itself, kept across the tasks of a warm instance. */
const inPlace: InPlaceVerdicts = new Map();

async function runTask(w: Wiring, task: TransferTask, attempt: number, deadline: Deadline): Promise<TaskResult> {
  if (task.targetLogin) w.useTcrLogin(task.target.registry, task.targetLogin.registryId, task.targetLogin.region);
  const deps = {
    ...transferSources(await w.pool(), { blobConcurrency: 4, inPlace }),
    store: w.store,
    resumable: { store: checkpointsIn(w.store), stopSignal: deadline.signal },
  };
  return transferAndRecord(deps, task, { signal: deadline.hard, attempt });
}

/** Transfer: one task (SCF async), a pull worker (TDMQ-CMQ), or a timer that restarts workers. */
export async function main_handler(event: unknown, context: unknown): Promise<unknown> {
  const w = (wiring ??= wire());
  const deadline = deadlineFrom(ScfContext.parse(context ?? {}), 60_000);
  const parsed = parseTransferEvent(event);
  // restarts only the worker slots that are free (see claimFreeSlots), never IT_WORKERS more per tick
  if (parsed.kind === 'timer') return { restarted: w.source ? (await startWorkers(w)).length : 0 };
  if (parsed.kind === 'worker') {
    if (!w.source) throw new Error('a worker event needs IT_QUEUE=tdmq-cmq');
    return runWorker(w, parsed.slot, parsed.generation, deadline, (task, attempt, own) => runTask(w, task, attempt, own));
  }
  const result = await runTask(w, parsed.task, parsed.attempt, deadline);
  if (isUnfinished(result)) await w.invoke(w.env.IT_TRANSFER_FUNCTION, { task: parsed.task, attempt: parsed.attempt + 1 });
  return { taskId: result.taskId, status: result.status, ...(result.error ? { error: result.error.code } : {}) };
}
