import { escapeControl } from '../util/escape-control.js';
import { hintText } from './failures.js';
import { formatMiB, shortDigest } from './format.js';
import type { RunReport, TaskResult, Verification } from './schema.js';

/** What the end-of-run lines need: a whole report, or a run status that lists only the failed results. */
export type SummarySource = Pick<RunReport, 'totals' | 'durationMs' | 'status' | 'planFailures'> & {
  readonly results: ReadonlyArray<Pick<TaskResult, 'status' | 'source' | 'target' | 'error'>>;
};

/** One difference found by `--verify`, as a phrase: `blob <ref> is missing`, `<ref> points to <digest>, expected <digest>`. */
export function describeMismatch(m: Verification['mismatches'][number]): string {
  const subject = m.what === 'tag' ? m.reference : `${m.what} ${m.reference}`;
  if (m.actual === undefined) return `${subject} is missing${m.what === 'blob' ? '' : ` (expected ${shortDigest(m.expected)})`}`;
  return m.what === 'tag'
    ? `${subject} points to ${shortDigest(m.actual)}, expected ${shortDigest(m.expected)}`
    : `${subject} has digest ${shortDigest(m.actual)}`;
}

/**
 * The CLI's end-of-run lines. Wording kept from tkestack/image-transfer where scripts grep it:
 * `  FAILED <source> -> <target>: <message>` per failed image, then the totals line, and the
 * `################# Finished, ... #################` line always last.
 */
export function renderSummary(report: SummarySource): string[] {
  const lines: string[] = [];
  for (const r of report.results) {
    if (r.status !== 'failed') continue;
    lines.push(`  FAILED ${escapeControl(r.source)} -> ${escapeControl(r.target)}: ${escapeControl(r.error?.message ?? 'unknown error')}`);
    if (r.error?.hint) lines.push(hintLine(r.error.hint));
  }
  for (const f of report.planFailures) {
    lines.push(`  PLAN FAILED ${escapeControl(f.rule.source)} -> ${escapeControl(f.rule.target)}: ${escapeControl(f.error.message)}`);
    if (f.error.hint) lines.push(hintLine(f.error.hint));
  }
  const t = report.totals;
  lines.push(
    `succeeded ${t.succeeded}, skipped ${t.skipped}, failed ${t.failed}, plan failures ${t.planFailed}, ` +
      `copied ${formatMiB(t.bytes.copied)}, mounted ${formatMiB(t.bytes.mounted)}, in ${(report.durationMs / 1000).toFixed(1)}s`,
  );
  if (t.verification) lines.push(`verified ${t.verification.verified}, mismatched ${t.verification.mismatched}`);
  if (report.status === 'interrupted') lines.push('interrupted: the run was stopped before every image was transferred');
  lines.push(`################# Finished, ${t.failed} transfer jobs failed, ${t.planFailed} jobs generate failed #################`);
  return lines;
}

/** The line under a FAILED line: what probably went wrong, and what to do. */
export function hintLine(hint: { cause: string; fix: string }): string {
  return `    ${escapeControl(hintText(hint))}`;
}
