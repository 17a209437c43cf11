import type { TransferTask } from '../../planner/index.js';
import type { TaskResult } from '../../report/index.js';
import { runKeys, type ObjectStore } from '../../store/index.js';
import { recordHasCode } from '../../util/errors.js';
import { PlanSlice, readJson, readResults } from './run-state.js';

/** A result that does not end its task: the transfer ran out of time or was suspended at a checkpoint. */
export const isUnfinished = (r: TaskResult): boolean => r.status === 'failed' && recordHasCode(r.error, 'ABORTED', 'SUSPENDED');

/**
 * The planned tasks of a run that still need a transfer: those without a result, or whose result is
 * unfinished. A task with a final result (succeeded, skipped or failed) is never run again.
 */
export async function pendingTasks(store: ObjectStore, runId: string): Promise<TransferTask[]> {
  const slices = await Promise.all((await store.list(runKeys.slices(runId))).map((k) => readJson(store, k, PlanSlice)));
  const results = await readResults(store, runId);
  const tasks = new Map(slices.flatMap((s) => s?.tasks.map((t) => [t.taskId, t] as const) ?? []));
  return [...tasks.values()].filter((t) => {
    const r = results.get(t.taskId);
    return !r || isUnfinished(r);
  });
}

/** Runs without a report: `planned` (plan.json written) and `planning` (slices only: planning was cut short). */
export async function unfinishedRuns(store: ObjectStore): Promise<{ planned: string[]; planning: string[] }> {
  const keys = await store.list(runKeys.all);
  const planned = new Set(keys.map(runKeys.plannedRun).filter((id) => id !== undefined));
  const reported = new Set(keys.map(runKeys.reportedRun).filter((id) => id !== undefined));
  const started = new Set(keys.filter((k) => /^runs\/[^/]+\/plan\//.test(k)).map((k) => k.split('/')[1]!));
  return {
    planned: [...planned].filter((id) => !reported.has(id)).sort(),
    planning: [...started].filter((id) => !planned.has(id) && !reported.has(id)).sort(),
  };
}
