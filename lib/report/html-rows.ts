import { escapeControl } from '../util/escape-control.js';
import { hintText } from './failures.js';
import { formatBytes, formatDuration, shortDigest } from './format.js';
import { describeMismatch } from './render-text.js';
import type { TaskResult } from './schema.js';

const STATUS_RANK = { failed: 0, skipped: 1, succeeded: 2 } as const;

/**
 * What one row of report.html shows, every text already formatted and control-escaped: the page
 * renders its server-side rows from it and embeds all of them as JSON (`#report-rows`) for the
 * script, which builds the rows it shows with `textContent` (never as markup). Short keys keep a
 * 10,000-image page small.
 */
export interface RowView {
  /** Index in the report's (failed-first) order. */
  readonly i: number;
  readonly s: TaskResult['status'];
  /** Sort rank of the status: failed, skipped, succeeded. */
  readonly r: number;
  readonly src: string;
  readonly dst: string;
  /** Reason and attempts, under the status. */
  readonly x: string;
  /** Verification status and its tooltip, when the run verified. */
  readonly v?: string;
  readonly vt?: string;
  /** Short digest, full digest (tooltip). */
  readonly d: string;
  readonly dd: string;
  /** Copied bytes as text and as a number; mounted/present under it. */
  readonly c: string;
  readonly cb: number;
  readonly m: string;
  /** Duration as text and in ms. */
  readonly t: string;
  readonly tm: number;
  /** Error code, message, where (origin / operation), hint; verification mismatches as [what, text]. */
  readonly ec?: string;
  readonly em?: string;
  readonly ew?: string;
  readonly eh?: string;
  readonly mm?: readonly (readonly [string, string])[];
}

const c = escapeControl;

export function rowView(r: TaskResult, index: number): RowView {
  const extra = [r.reason ?? '', r.attempts > 1 ? `${r.attempts} attempts` : ''].filter(Boolean);
  const moved = [
    r.bytes.mounted > 0 ? `${formatBytes(r.bytes.mounted)} mounted` : '',
    r.bytes.skipped > 0 ? `${formatBytes(r.bytes.skipped)} present` : '',
  ].filter(Boolean);
  const v = r.verification;
  const error = r.error && {
    ec: c(r.error.code),
    em: c(r.error.message),
    ew: c([r.error.origin, r.error.op].filter(Boolean).join(' / ')),
    eh: r.error.hint ? c(hintText(r.error.hint)) : '',
    ...(v?.mismatches.length ? { mm: v.mismatches.map((m) => [c(m.what), c(describeMismatch(m))] as const) } : {}),
  };
  return {
    i: index,
    s: r.status,
    r: STATUS_RANK[r.status],
    src: c(r.source),
    dst: c(r.target),
    x: c(extra.join(', ')),
    ...(v ? { v: c(v.status), vt: c(`${v.mode ?? 'manifests'} verification: ${v.checked} manifests and blobs checked`) } : {}),
    d: c(shortDigest(r.digest)),
    dd: c(r.digest ?? ''),
    c: formatBytes(r.bytes.copied),
    cb: r.bytes.copied,
    m: moved.join(', '),
    t: formatDuration(r.durationMs),
    tm: r.durationMs,
    ...error,
  };
}
