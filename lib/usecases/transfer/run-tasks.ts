import pLimit from 'p-limit';
import type { CopyObserver } from '../../copy/index.js';
import type { TransferTask } from '../../planner/index.js';
import type { TaskResult } from '../../report/index.js';
import { notRunResult, transferOne, type TransferDeps } from './transfer-one.js';
import { recordHasCode, type ErrorCode } from '../../util/errors.js';

export interface RunTasksOptions {
  /** Images in parallel (the original's `--routines`). */
  readonly routines: number;
  /** Extra passes over the failed tasks after the first pass (the original's `--retry`). */
  readonly retry: number;
  readonly signal?: AbortSignal;
  readonly onStart?: (task: TransferTask) => void;
  readonly onResult?: (result: TaskResult) => void;
  readonly observerFor?: (task: TransferTask) => CopyObserver;
}

/**
 * The in-process queue of the CLI: `routines` workers over the tasks, then up to `retry` passes over
 * what failed (blobs already moved are found by HEAD and not sent again). The last result of a task wins.
 */
export async function runTasks(deps: TransferDeps, tasks: readonly TransferTask[], options: RunTasksOptions): Promise<TaskResult[]> {
  const limit = pLimit(Math.max(1, options.routines));
  const final = new Map<string, TaskResult>();
  let pending = [...tasks];
  for (let pass = 1; pending.length > 0 && pass <= 1 + Math.max(0, options.retry); pass++) {
    const results = await Promise.all(
      pending.map((task) =>
        limit(async () => {
          if (options.signal?.aborted) return interrupted(task, pass);
          options.onStart?.(task);
          const result = await transferOne(deps, task, { signal: options.signal, observer: options.observerFor?.(task), attempt: pass });
          options.onResult?.(result);
          return result;
        }),
      ),
    );
    for (const r of results) final.set(r.taskId, r);
    if (options.signal?.aborted) break;
    pending = pending.filter((t) => isWorthRetrying(final.get(t.taskId)));
  }
  return tasks.map((t) => final.get(t.taskId) ?? interrupted(t, 0));
}

/** Failures another pass cannot fix (the image or the permission is missing) are not retried. */
const PERMANENT: readonly ErrorCode[] = [
  'SOURCE_NOT_FOUND',
  'PLATFORM_NOT_FOUND',
  'QUOTA_EXHAUSTED',
  'UNAUTHORIZED',
  'MANIFEST_INVALID',
  'ABORTED',
  'INTERRUPTED',
];

function isWorthRetrying(result: TaskResult | undefined): boolean {
  return result?.status === 'failed' && !recordHasCode(result.error, ...PERMANENT);
}

function interrupted(task: TransferTask, attempts: number): TaskResult {
  return notRunResult(task, { code: 'INTERRUPTED', message: 'not started: the run was interrupted' }, attempts);
}
