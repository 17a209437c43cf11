import type { Counts, PlanFailure, RunReport, RunTotals, TaskResult } from './schema.js';

export interface AggregateInput {
  readonly runId: string;
  readonly version: string;
  /** ISO timestamps. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly results: readonly TaskResult[];
  readonly planFailures: readonly PlanFailure[];
  /** The run was cut short (signal, deadline): status `interrupted` whatever the results. */
  readonly interrupted?: boolean;
}

/** Pure: totals, overall status and a stable order (failed first, then by source, then target). */
export function aggregateReport(input: AggregateInput): RunReport {
  const results = [...input.results].sort(compareResults);
  const planFailures = [...input.planFailures].sort((a, b) => compareText(a.rule.source, b.rule.source) || compareText(a.rule.target, b.rule.target));
  const totals = computeTotals(results, planFailures.length);
  const failed = totals.failed + totals.planFailed > 0;
  return {
    runId: input.runId,
    tool: { name: 'image-transfer', version: input.version },
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    durationMs: Math.max(0, Date.parse(input.finishedAt) - Date.parse(input.startedAt)) || 0,
    status: input.interrupted ? 'interrupted' : failed ? 'failed' : 'succeeded',
    totals,
    results,
    planFailures,
  };
}

export function computeTotals(results: readonly TaskResult[], planFailed: number): RunTotals {
  const bytes: Counts = { copied: 0, mounted: 0, skipped: 0 };
  const totals = { images: results.length, succeeded: 0, skipped: 0, failed: 0, planFailed, bytes };
  const verification = { verified: 0, mismatched: 0 };
  for (const r of results) {
    totals[r.status] += 1;
    bytes.copied += r.bytes.copied;
    bytes.mounted += r.bytes.mounted;
    bytes.skipped += r.bytes.skipped;
    if (r.verification) verification[r.verification.status === 'verified' ? 'verified' : 'mismatched'] += 1;
  }
  // only runs that verified carry the counts: reports of other runs stay as they were
  return results.some((r) => r.verification) ? { ...totals, verification } : totals;
}

function compareResults(a: TaskResult, b: TaskResult): number {
  const rank = (r: TaskResult): number => (r.status === 'failed' ? 0 : 1);
  return rank(a) - rank(b) || compareText(a.source, b.source) || compareText(a.target, b.target);
}

/** Code-unit order, not locale order: the same in every environment. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
