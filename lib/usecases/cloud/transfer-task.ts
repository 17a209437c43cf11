import type { TransferTask } from '../../planner/index.js';
import type { TaskResult } from '../../report/index.js';
import { runKeys, type ObjectStore } from '../../store/index.js';

import { transferOne, type TransferDeps } from '../transfer/transfer-one.js';

/**
 * The serverless worker's unit: transfer one task and record its result at a key derived from the
 * task (`runs/<runId>/results/<taskId>.json`), even when it failed or ran out of time, so redelivered
 * or retried tasks overwrite rather than duplicate. A failed attempt also leaves a marker
 * (`runs/<runId>/failed/<taskId>`) that the run status counts while the run is going on.
 */
export async function transferAndRecord(
  deps: TransferDeps & { readonly store: ObjectStore },
  task: TransferTask,
  options: { signal?: AbortSignal; attempt?: number } = {},
): Promise<TaskResult> {
  const result = await transferOne(deps, task, options);
  // before the result, so a status never counts a failed image as done and not failed
  if (result.status === 'failed') await deps.store.put(runKeys.failedMarker(task.runId, task.taskId), '', 'text/plain');
  await deps.store.put(runKeys.result(task.runId, task.taskId), JSON.stringify(result), 'application/json');
  return result;
}
