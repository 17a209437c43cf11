import { z } from 'zod';
import { runKeys, type ObjectStore } from '../../store/index.js';
import { Hint, PlanFailure, RunReport, RunTotals, TaskResult } from '../../report/index.js';
import { MAX_STATUS_FAILURES } from '../../util/limits.js';
import { PlanManifest, readJson } from './run-state.js';
import { workerHealth } from './workers.js';

const RunId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/);
const count = z.number().int().nonnegative();

/** A failed image as the status lists it: what the summary's FAILED line and its hint need. */
export const StatusFailure = TaskResult.pick({ source: true, target: true }).extend({
  status: z.literal('failed'),
  error: z.object({ code: z.string(), message: z.string(), hint: Hint.optional() }),
});
export type StatusFailure = z.infer<typeof StatusFailure>;

/**
 * `GET /runs/<runId>`: where a run stands. The wire contract of the planner's Function URL and of
 * `image-transfer serve`, parsed by `image-transfer cloud` (lib/usecases/cloud/run-api.ts).
 * - `running`: `failed` counts the tasks with a failed attempt so far (0 for runs planned before the
 *   failed markers existed); the report, once written, is the authority. In TDMQ-CMQ mode `workers` tells
 *   how many queue workers hold a live lease and which gave up receiving (their code and redacted message),
 *   so a run that stalls because its workers cannot reach the queue says so instead of waiting silently.
 * - `reported`: the totals, the failures grouped by code (each with the hint of its first image), and the
 *   first MAX_STATUS_FAILURES failed images and plan failures (`omitted` counts the rest); `report` is the
 *   key of report.html in the store, `location` where that is (`cos://<bucket>/<prefix>runs/<id>/report.html`).
 */
export const RunStatus = z.discriminatedUnion('state', [
  z.object({ runId: RunId, state: z.enum(['unknown', 'planning']) }),
  z.object({
    runId: RunId,
    state: z.literal('running'),
    tasks: count,
    done: count,
    failed: count.default(0),
    workers: z
      .object({
        live: count,
        failed: z.array(z.object({ slot: count, at: z.string(), code: z.string(), message: z.string() })),
      })
      .optional(),
  }),
  z.object({
    runId: RunId,
    state: z.literal('reported'),
    status: RunReport.shape.status,
    durationMs: z.number().nonnegative(),
    totals: RunTotals,
    report: z.string(),
    location: z.string().optional(),
    byCode: z.array(z.object({ code: z.string(), count, hint: Hint.optional() })).default([]),
    failures: z.array(StatusFailure).default([]),
    planFailures: z.array(PlanFailure).default([]),
    omitted: count.default(0),
  }),
]);
export type RunStatus = z.infer<typeof RunStatus>;

/** Where a run stands, from the store alone (cheap: at most two lists and two reads). */
export async function runStatus(store: ObjectStore, runId: string, options: { location?: (key: string) => string } = {}): Promise<RunStatus> {
  const report = await readJson(store, runKeys.report(runId), RunReport);
  if (report) {
    const key = `${runKeys.prefix(runId)}/report.html`;
    return { ...reportedStatus(report), report: key, ...(options.location ? { location: options.location(key) } : {}) };
  }
  const manifest = await readJson(store, runKeys.plan(runId), PlanManifest);
  if (!manifest) return { runId, state: (await store.list(runKeys.slices(runId))).length ? 'planning' : 'unknown' };
  const [done, failed, workers] = await Promise.all([store.list(runKeys.results(runId)), store.list(runKeys.failedMarkers(runId)), workerHealth(store)]);
  const running = { runId, state: 'running' as const, tasks: manifest.tasks, done: done.length, failed: failed.length };
  if (workers.live === 0 && workers.failed.length === 0) return running;
  const failedWorkers = workers.failed.map((l) => ({
    slot: l.slot,
    at: l.at,
    code: l.error?.code ?? 'INTERNAL',
    message: l.error?.message ?? 'receive failed',
  }));
  return { ...running, workers: { live: workers.live, failed: failedWorkers } };
}

function reportedStatus(report: RunReport): Omit<Extract<RunStatus, { state: 'reported' }>, 'report' | 'location'> {
  const failed = report.results.filter((r) => r.status === 'failed');
  const byCode = new Map<string, { code: string; count: number; hint?: Hint }>();
  for (const { error } of [...failed, ...report.planFailures]) {
    const code = error?.code ?? 'INTERNAL';
    const entry = byCode.get(code) ?? { code, count: 0, ...(error?.hint ? { hint: error.hint } : {}) };
    entry.count += 1;
    byCode.set(code, entry);
  }
  const failures = failed.slice(0, MAX_STATUS_FAILURES).map((r) => ({
    source: r.source,
    target: r.target,
    status: 'failed' as const,
    error: { code: r.error?.code ?? 'INTERNAL', message: r.error?.message ?? 'unknown error', ...(r.error?.hint ? { hint: r.error.hint } : {}) },
  }));
  const planFailures = report.planFailures.slice(0, MAX_STATUS_FAILURES);
  return {
    runId: report.runId,
    state: 'reported',
    status: report.status,
    durationMs: report.durationMs,
    totals: report.totals,
    byCode: [...byCode.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    failures,
    planFailures,
    omitted: failed.length - failures.length + report.planFailures.length - planFailures.length,
  };
}
