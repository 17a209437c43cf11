import { aggregateReport, failedRulePairs, type TaskResult } from '../../report/index.js';
import { runKeys, type ObjectStore } from '../../store/index.js';
import { writeRunReport } from '../report/write-report.js';
import { formatRuleFile } from '../../rules/index.js';
import { notRunResult } from '../transfer/transfer-one.js';
import type { ErrorCode } from '../../util/errors.js';
import { PlanManifest, PlanSlice, readJson, readResults } from './run-state.js';

export type AggregateOutcome =
  | { state: 'unknown' | 'planning'; runId: string }
  | { state: 'running'; runId: string; done: number; tasks: number }
  | { state: 'reported'; runId: string; keys: string[]; succeeded: number; skipped: number; failed: number };

/**
 * Writes the run's report when every task has a result, or when the run expired (missing results
 * then count as failed with EXPIRED), or when `missing` says why the results that are missing will not
 * come (they count as failed with it). Idempotent: a later call rewrites the same report.
 */
export async function aggregateRun(
  store: ObjectStore,
  runId: string,
  version: string,
  now = new Date(),
  missing?: { readonly code: ErrorCode; readonly message: string },
): Promise<AggregateOutcome> {
  const manifest = await readJson(store, runKeys.plan(runId), PlanManifest);
  if (!manifest) return { state: (await store.list(runKeys.slices(runId))).length ? 'planning' : 'unknown', runId };
  const slices = (await Promise.all((await store.list(runKeys.slices(runId))).map((k) => readJson(store, k, PlanSlice)))).filter((s) => s !== undefined);
  const tasks = new Map(slices.flatMap((s) => s.tasks.map((t) => [t.taskId, t] as const)));
  const results = await readResults(store, runId);
  const expired = now.toISOString() > manifest.expiresAt;
  const done = [...tasks.keys()].filter((id) => results.has(id)).length;
  if (done < tasks.size && !expired && !missing) return { state: 'running', runId, done, tasks: tasks.size };
  const why = expired || !missing ? { code: 'EXPIRED' as const, message: `no result before the run expired at ${manifest.expiresAt}` } : missing;
  const all: TaskResult[] = [...tasks.values()].map((t) => results.get(t.taskId) ?? notRunResult(t, why, 0, manifest.createdAt));
  const finishedAt =
    [...results.values()]
      .map((r) => new Date(Date.parse(r.startedAt) + r.durationMs).toISOString())
      .sort()
      .at(-1) ?? now.toISOString();
  const report = aggregateReport({
    runId,
    version,
    startedAt: manifest.createdAt,
    finishedAt: finishedAt > manifest.createdAt ? finishedAt : now.toISOString(),
    results: all,
    planFailures: slices.flatMap((s) => s.planFailures),
  });
  const pairs = failedRulePairs(report);
  const keys = await writeRunReport(store, runKeys.prefix(runId), report, pairs.length ? formatRuleFile(pairs) : undefined);
  return {
    state: 'reported',
    runId,
    keys,
    succeeded: report.totals.succeeded,
    skipped: report.totals.skipped,
    failed: report.totals.failed + report.totals.planFailed,
  };
}

/** Runs that are planned but have no report yet (what a timer-driven aggregator looks at). */
export async function unreportedRuns(store: ObjectStore): Promise<string[]> {
  const keys = await store.list(runKeys.all);
  const planned = new Set(keys.map(runKeys.plannedRun).filter((id) => id !== undefined));
  for (const k of keys) {
    const reported = runKeys.reportedRun(k);
    if (reported) planned.delete(reported);
  }
  return [...planned].sort();
}
