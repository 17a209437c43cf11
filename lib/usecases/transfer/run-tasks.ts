import pLimit from 'p-limit';
import type { CopyObserver } from '../../copy/index.js';
import type { TransferTask } from '../../planner/index.js';
import type { FailureKind, TaskResult } from '../../report/index.js';
import { notRunResult, transferOne, type TransferDeps } from './transfer-one.js';
import { recordHasCode, type ErrorCode } from '../../util/errors.js';

/** A registry the run stopped using: the failure that showed it unreachable, and how many images were then not attempted. */
export interface RegistryDown {
  readonly registry: string;
  readonly failure: TaskResult;
  readonly notAttempted: number;
}

/** Runs work with a bounded number in flight (AdaptiveLimit). */
export interface ConcurrencyLimit {
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Like run, for work that enters the limit only for its heavy part (AdaptiveLimit.stage). */
  stage?<T>(fn: (enter: () => Promise<() => void>) => Promise<T>): Promise<T>;
}

export interface RunTasksOptions {
  /** Images in parallel (the original's `--routines`): a number, or a limit that adapts (AdaptiveLimit). */
  readonly routines: number | ConcurrencyLimit;
  /** Extra passes over the failed tasks after the first pass (the original's `--retry`). */
  readonly retry: number;
  readonly signal?: AbortSignal;
  readonly onStart?: (task: TransferTask) => void;
  readonly onResult?: (result: TaskResult) => void;
  readonly observerFor?: (task: TransferTask) => CopyObserver;
  /** Before a pass over the failed tasks: the pass (2 = the first retry), of how many, and the tasks it retries. */
  readonly onRetryPass?: (pass: number, passes: number, tasks: number) => void;
  /** Once per unreachable registry, after the run: the images not attempted because of it (not passed to onResult). */
  readonly onRegistryDown?: (down: RegistryDown) => void;
}

/** Failures that say nothing listens at the registry: after one, its remaining images are not attempted. */
const UNREACHABLE: ReadonlySet<string> = new Set<FailureKind>(['CONNECTION_REFUSED', 'DNS_FAILURE']);

/**
 * The in-process queue of the CLI: `routines` workers over the tasks, then up to `retry` passes over
 * what failed (blobs already moved are found by HEAD and not sent again). The last result of a task wins.
 * A registry that refused connections (after its own request retries) fails fast: the images that
 * would use it and have not started are failed NOT_ATTEMPTED, with the first failure's hint, and are
 * reported once per registry through onRegistryDown instead of each after its own retries.
 */
export async function runTasks(deps: TransferDeps, tasks: readonly TransferTask[], options: RunTasksOptions): Promise<TaskResult[]> {
  const limit: ConcurrencyLimit = typeof options.routines === 'number' ? { run: pLimit(Math.max(1, options.routines)) } : options.routines;
  // an image's blobs enter the limit after its manifests are read, when the limit can stage work
  const stage = <T>(fn: (enter?: () => Promise<() => void>) => Promise<T>): Promise<T> => (limit.stage ? limit.stage(fn) : limit.run(() => fn()));
  const final = new Map<string, TaskResult>();
  const down = new Map<string, { failure: TaskResult; notAttempted: number }>();
  const passes = 1 + Math.max(0, options.retry);
  let pending = [...tasks];
  for (let pass = 1; pending.length > 0 && pass <= passes; pass++) {
    if (pass > 1) options.onRetryPass?.(pass, passes, pending.length);
    const results = await Promise.all(
      pending.map((task) =>
        stage(async (admit) => {
          if (options.signal?.aborted) return interrupted(task, pass);
          const blocked = [task.source.registry, task.target.registry].find((r) => down.has(r));
          if (blocked) return notAttempted(task, blocked, down.get(blocked)!, pass);
          options.onStart?.(task);
          const result = await transferOne(deps, task, { signal: options.signal, observer: options.observerFor?.(task), attempt: pass, admit });
          const unreachable = unreachableRegistry(task, result);
          if (unreachable && !down.has(unreachable)) down.set(unreachable, { failure: result, notAttempted: 0 });
          options.onResult?.(result);
          return result;
        }),
      ),
    );
    for (const r of results) final.set(r.taskId, r);
    if (options.signal?.aborted) break;
    // an unreachable registry's images are not tried again: its first failure stands for them
    pending = pending.filter((t) => isWorthRetrying(final.get(t.taskId)) && !down.has(t.source.registry) && !down.has(t.target.registry));
  }
  for (const [registry, d] of down) options.onRegistryDown?.({ registry, ...d });
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
  'NOT_ATTEMPTED',
];

function isWorthRetrying(result: TaskResult | undefined): boolean {
  return result?.status === 'failed' && !recordHasCode(result.error, ...PERMANENT);
}

function unreachableRegistry(task: TransferTask, result: TaskResult): string | undefined {
  const kind = result.error?.hint?.kind;
  if (result.status !== 'failed' || !kind || !UNREACHABLE.has(kind)) return undefined;
  return result.error?.origin === 'destination' ? task.target.registry : task.source.registry;
}

function notAttempted(task: TransferTask, registry: string, d: { failure: TaskResult; notAttempted: number }, attempts: number): TaskResult {
  d.notAttempted += 1;
  const hint = d.failure.error?.hint;
  const message = `not attempted: ${registry} was unreachable for ${d.failure.source} -> ${d.failure.target}`;
  return notRunResult(task, { code: 'NOT_ATTEMPTED', message, ...(hint ? { hint } : {}) }, attempts);
}

function interrupted(task: TransferTask, attempts: number): TaskResult {
  return notRunResult(task, { code: 'INTERRUPTED', message: 'not started: the run was interrupted' }, attempts);
}
