import type { TransferTask } from '../../planner/index.js';
import { InProcessQueue, type TaskSink } from '../../queue/index.js';
import type { RegistryPool } from '../../registry/index.js';
import type { TaskResult } from '../../report/index.js';
import type { Rule, RuleV2 } from '../../rules/index.js';
import type { ObjectStore } from '../../store/index.js';
import {
  aggregateRun,
  checkpointsIn,
  continueRun,
  isUnfinished,
  pendingTasks,
  planSources,
  transferAndRecord,
  transferSources,
  unfinishedRuns,
  type StartRunDeps,
} from '../../usecases/index.js';
import { messageOf } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { shared } from '../../util/signals.js';
import type { ServeMetrics } from './metrics.js';

export type Trigger = 'api' | 'schedule';

export interface RunnerDeps {
  readonly store: ObjectStore;
  readonly pool: RegistryPool;
  readonly workers: number;
  readonly version: string;
  readonly logger: Logger;
  readonly metrics: ServeMetrics;
}

/** A run this process is working on: tasks queued and finished, and whether planning is complete. */
interface ActiveRun {
  queued: number;
  /** Tasks ended in this process, with or without a recorded result. */
  done: number;
  planned: boolean;
  /** Tasks whose result could not be written: the report fails them with NOT_RECORDED. */
  unrecorded?: number;
}

/** After the drain deadline, uploads stop at their next checkpoint; this long after (at most the drain time), transfers are aborted. */
const SUSPEND_GRACE_MS = 5_000;
/** After the abort, how long the workers get to record what they were doing. */
const ABORT_GRACE_MS = 5_000;

const wait = (ms: number): Promise<'timeout'> => new Promise((r) => setTimeout(() => r('timeout'), ms).unref());

/**
 * The serverless run on one machine: the planner's sink is the in-process queue, `workers` loops take
 * tasks from it and run the transfer functions' use case (transferAndRecord), and the aggregator's use
 * case (aggregateRun) writes a run's report when its last task has a result.
 */
export class Runner {
  private readonly queue = new InProcessQueue();
  private readonly runs = new Map<string, ActiveRun>();
  private waiting: Array<() => void> = [];
  private loops: Promise<void>[] = [];
  private stopping = false;
  private running = 0;
  /** Soft stop: checkpointed uploads suspend (SUSPENDED) at their next chunk. */
  private readonly suspend = new AbortController();
  /** Hard stop: every request in flight is aborted (ABORTED). */
  private readonly abort = new AbortController();
  private readonly sink: TaskSink = { send: async (tasks) => this.enqueue(tasks) };

  /** What every worker loop transfers with: one blob coordinator for all of them, as in a local run. */
  private readonly transferDeps;

  constructor(private readonly deps: RunnerDeps) {
    shared(this.suspend.signal);
    shared(this.abort.signal);
    this.transferDeps = {
      ...transferSources(deps.pool, { blobConcurrency: 4 }),
      store: deps.store,
      resumable: { store: checkpointsIn(deps.store), stopSignal: this.suspend.signal },
    };
  }

  /** The planner's ports for a run started by `trigger`; `checkRules` is the registry policy (API runs). */
  runDeps(trigger: Trigger, checkRules?: (rules: ReadonlyArray<Rule | RuleV2>) => Promise<void>): StartRunDeps {
    const deps: StartRunDeps = {
      store: this.deps.store,
      sink: this.sink,
      ...planSources(async () => this.deps.pool),
      // planning has no deadline here; a continuation (never expected) runs in the background
      continueLater: async (cursorKey) => {
        void continueRun(deps, cursorKey, this.budget()).catch((err: unknown) => this.deps.logger.error(`${cursorKey}: planning failed: ${messageOf(err)}`));
      },
      startWorkers: async (runId) => this.planned(runId, trigger),
      ...(checkRules ? { checkRules } : {}),
    };
    return deps;
  }

  /** Planning time: unbounded, but cancelled with the process. */
  budget(): { deadline: number; signal: AbortSignal } {
    return { deadline: Number.POSITIVE_INFINITY, signal: this.abort.signal };
  }

  /** Whether `runId` still has work in this process (a job does not start while its last run is active). */
  active(runId: string): boolean {
    return this.runs.has(runId);
  }

  start(): void {
    for (let i = 0; i < this.deps.workers; i++) this.loops.push(this.work());
  }

  /**
   * Continues the runs a previous process left unfinished: every planned, unreported run gets its
   * pending tasks queued (tasks with a final result are not redone). Runs cut short while planning
   * have no complete plan to continue: they are named in the log and left as they are.
   */
  async resume(): Promise<void> {
    const { planned, planning } = await unfinishedRuns(this.deps.store);
    for (const id of planning) this.deps.logger.warn(`run ${id} was interrupted while it was being planned: it is not continued; start it again`);
    for (const id of planned) {
      const tasks = await pendingTasks(this.deps.store, id);
      this.deps.logger.info(`run ${id}: resuming, ${tasks.length} task(s) left`);
      this.runs.set(id, { queued: 0, done: 0, planned: true });
      this.enqueue(tasks);
      await this.maybeReport(id);
    }
  }

  /**
   * Stops taking tasks, lets the transfers in flight finish within `drainMs`, then suspends checkpointed
   * uploads and aborts the rest. Their results are unfinished, so the next start runs them again.
   * Returns how many transfers were still running at the deadline.
   */
  async stop(drainMs: number): Promise<number> {
    this.stopping = true;
    this.wake();
    const all = Promise.all(this.loops).then(() => 'done' as const);
    if ((await Promise.race([all, wait(drainMs)])) === 'done') return 0;
    const cut = this.running;
    this.suspend.abort(new Error('shutting down'));
    if ((await Promise.race([all, wait(Math.min(SUSPEND_GRACE_MS, drainMs))])) === 'done') return cut;
    this.abort.abort(new Error('shutting down'));
    await Promise.race([all, wait(ABORT_GRACE_MS)]);
    return cut;
  }

  /** Cancels what is left once the workers stopped: runs still being planned (they are not continued). */
  cancelPlanning(): void {
    this.abort.abort(new Error('shutting down'));
  }

  private enqueue(tasks: readonly TransferTask[]): void {
    for (const t of tasks) {
      const run = this.runs.get(t.runId) ?? { queued: 0, done: 0, planned: false };
      run.queued += 1;
      this.runs.set(t.runId, run);
    }
    void this.queue.send(tasks);
    this.deps.metrics.queued.set(this.queue.size);
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w();
  }

  private async work(): Promise<void> {
    while (!this.stopping) {
      const [item] = await this.queue.receive(1);
      if (!item) {
        await new Promise<void>((r) => this.waiting.push(r));
        continue;
      }
      this.deps.metrics.queued.set(this.queue.size);
      this.deps.metrics.inFlight.inc();
      this.running += 1;
      try {
        const result = await transferAndRecord(this.transferDeps, item.task, { signal: this.abort.signal });
        await this.finished(item.task.runId, result);
      } catch (err) {
        this.deps.logger.error(`run ${item.task.runId}: the result of ${item.task.rule.source} could not be recorded: ${messageOf(err)}`);
        await this.ended(item.task.runId, true);
      } finally {
        this.running -= 1;
        this.deps.metrics.inFlight.dec();
      }
    }
  }

  /** An unfinished result (cut by the shutdown) leaves its run open: the next start runs the task again. */
  private async finished(runId: string, result: TaskResult): Promise<void> {
    if (isUnfinished(result)) return;
    this.deps.metrics.taskDone(result);
    await this.ended(runId, false);
  }

  /** A task ends its run's share of work; one `unrecorded` (no result written) is failed by the report (NOT_RECORDED). */
  private async ended(runId: string, unrecorded: boolean): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) return;
    run.done += 1;
    if (unrecorded) run.unrecorded = (run.unrecorded ?? 0) + 1;
    await this.maybeReport(runId);
  }

  private async planned(runId: string, trigger: Trigger): Promise<void> {
    const run = this.runs.get(runId) ?? { queued: 0, done: 0, planned: false };
    run.planned = true;
    this.runs.set(runId, run);
    this.deps.metrics.runStarted(trigger);
    this.deps.logger.info(`run ${runId} started (${trigger}): ${run.queued} image(s) planned`);
    await this.maybeReport(runId);
  }

  /** Writes the report once the run is planned and every queued task has a result. */
  private async maybeReport(runId: string): Promise<void> {
    const run = this.runs.get(runId);
    if (!run?.planned || run.done < run.queued) return;
    this.runs.delete(runId);
    try {
      const missing = run.unrecorded
        ? { code: 'NOT_RECORDED' as const, message: 'its result could not be recorded (see the log); a new run copies it again' }
        : undefined;
      const outcome = await aggregateRun(this.deps.store, runId, this.deps.version, new Date(), missing);
      if (outcome.state !== 'reported') return this.deps.logger.warn(`run ${runId}: not reported (${outcome.state})`);
      this.deps.metrics.runReported(outcome.failed);
      this.deps.logger.info(
        `run ${runId} finished: ${outcome.succeeded} succeeded, ${outcome.skipped} skipped, ${outcome.failed} failed; report runs/${runId}/report.html`,
      );
    } catch (err) {
      this.deps.logger.error(`run ${runId}: the report could not be written: ${messageOf(err)}`);
    }
  }
}
