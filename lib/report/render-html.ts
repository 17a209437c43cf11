import { createHash } from 'node:crypto';
import { hintText } from './failures.js';
import { formatBytes, formatDuration, shortDigest } from './format.js';
import { REPORT_CSS, REPORT_SCRIPT } from './html-assets.js';
import { escapeControl } from '../util/escape-control.js';
import { escapeHtml, jsonForScript } from './html-escape.js';
import { describeMismatch } from './render-text.js';
import type { PlanFailure, RunReport, TaskResult, Verification } from './schema.js';

const STATUS_RANK = { failed: 0, skipped: 1, succeeded: 2 } as const;

/** Every datum shown: control characters escaped (visible, and inert in a terminal that prints the file), then HTML-escaped. */
const h = (text: string): string => escapeHtml(escapeControl(text));

/** The report JSON with DEL and C1 escaped as well (JSON.stringify escapes only C0); JSON.parse restores them. */
const reportData = (report: RunReport): string =>
  jsonForScript(report).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * One self-contained page: no external resource, every datum HTML-escaped, and a CSP that lets only
 * the page's own script and style run (defence in depth against untrusted image names and error
 * messages). Rows are rendered here, so counts and tables read without JavaScript; the script only
 * sorts and filters. Test hooks: `[data-count=images|succeeded|skipped|failed|planFailed]` (and
 * `verified|mismatched` when the run verified), `#results tr[data-status][data-verification]`,
 * `li[data-mismatch]`, `#plan-failures tr[data-plan-failure]`, `#report-data` (the report JSON).
 */
export function renderHtml(report: RunReport): string {
  const csp = [
    "default-src 'none'",
    `style-src '${sha256(REPORT_CSS)}'`,
    `script-src '${sha256(REPORT_SCRIPT)}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>image-transfer run ${h(report.runId)}: ${h(report.status)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${header(report)}
${summary(report)}
${planFailuresSection(report.planFailures)}
${resultsSection(report)}
<script type="application/json" id="report-data">${reportData(report)}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

function header(report: RunReport): string {
  return `<h1>image-transfer run <code>${h(report.runId)}</code> <span class="badge st-${h(report.status)}" data-run-status="${h(report.status)}">${h(report.status)}</span></h1>
<p class="meta">started <time>${h(report.startedAt)}</time> · finished <time>${h(report.finishedAt)}</time> · ${h(report.tool.name)} ${h(report.tool.version)}</p>`;
}

function summary(report: RunReport): string {
  const t = report.totals;
  const item = (label: string, value: string, count?: string, cls = ''): string =>
    `<div${cls ? ` class="${cls}"` : ''}><dt>${label}</dt><dd${count ? ` data-count="${count}"` : ''}>${h(value)}</dd></div>`;
  const v = t.verification;
  const verified = v
    ? `${item('Verified', String(v.verified), 'verified', 'st-succeeded')}\n${item('Mismatched', String(v.mismatched), 'mismatched', v.mismatched > 0 ? 'st-failed' : '')}\n`
    : '';
  return `<dl class="summary">
${item('Images', String(t.images), 'images')}
${item('Succeeded', String(t.succeeded), 'succeeded', 'st-succeeded')}
${item('Skipped', String(t.skipped), 'skipped', 'st-skipped')}
${item('Failed', String(t.failed), 'failed', t.failed > 0 ? 'st-failed' : '')}
${item('Plan failures', String(t.planFailed), 'planFailed', t.planFailed > 0 ? 'st-failed' : '')}
${verified}${item('Copied', formatBytes(t.bytes.copied))}
${item('Mounted', formatBytes(t.bytes.mounted))}
${item('Already present', formatBytes(t.bytes.skipped))}
${item('Duration', formatDuration(report.durationMs))}
</dl>`;
}

function planFailuresSection(failures: readonly PlanFailure[]): string {
  if (failures.length === 0) return '';
  const rows = failures.map(
    (f) =>
      `<tr data-plan-failure><td class="mono">${h(f.rule.source)}</td><td class="mono">${h(f.rule.target)}</td>` +
      `<td class="error"><code>${h(f.error.code)}</code> ${h(f.error.message)}${f.error.hint ? `<span class="sub hint">${h(hintText(f.error.hint))}</span>` : ''}</td></tr>`,
  );
  return `<h2>Rules that could not be planned (${failures.length})</h2>
<table id="plan-failures">
<thead><tr><th scope="col">Rule source</th><th scope="col">Rule target</th><th scope="col">Error</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

function resultsSection(report: RunReport): string {
  const t = report.totals;
  if (report.results.length === 0) return '<h2>Images</h2>\n<p>No image was planned.</p>';
  const option = (value: string, label: string, n: number): string => `<option value="${value}">${label} (${n})</option>`;
  const th = (label: string, type?: 'number'): string =>
    `<th scope="col"${type ? ` data-type="${type}" class="num"` : ''}><button type="button">${label}</button></th>`;
  return `<h2>Images (${t.images})</h2>
<div class="controls" id="controls" hidden>
<label>Status <select id="status-filter">${option('all', 'all', t.images)}${option('failed', 'failed', t.failed)}${option('skipped', 'skipped', t.skipped)}${option('succeeded', 'succeeded', t.succeeded)}</select></label>
<label>Find <input id="text-filter" type="search" placeholder="image or error"></label>
<span>showing <span id="shown-count">${t.images}</span> of ${t.images}</span>
</div>
<table id="results">
<thead><tr>${th('Source')}${th('Target')}${th('Status', 'number')}${th('Digest')}${th('Copied', 'number')}${th('Duration', 'number')}${th('Error')}</tr></thead>
<tbody>
${report.results.map(resultRow).join('\n')}
</tbody>
</table>`;
}

function resultRow(r: TaskResult, index: number): string {
  const extra = [r.reason ?? '', r.attempts > 1 ? `${r.attempts} attempts` : ''].filter(Boolean);
  const moved = [
    r.bytes.mounted > 0 ? `${formatBytes(r.bytes.mounted)} mounted` : '',
    r.bytes.skipped > 0 ? `${formatBytes(r.bytes.skipped)} present` : '',
  ].filter(Boolean);
  const where = r.error ? [r.error.origin, r.error.op].filter(Boolean).join(' / ') : '';
  const error = r.error
    ? `<code>${h(r.error.code)}</code> ${h(r.error.message)}${where ? `<span class="sub">${h(where)}</span>` : ''}${r.error.hint ? `<span class="sub hint">${h(hintText(r.error.hint))}</span>` : ''}${mismatchList(r.verification)}`
    : '';
  return (
    `<tr data-status="${r.status}" data-index="${index}"${r.verification ? ` data-verification="${h(r.verification.status)}"` : ''}>` +
    `<td class="mono">${h(r.source)}</td>` +
    `<td class="mono">${h(r.target)}</td>` +
    `<td data-sort="${STATUS_RANK[r.status]}"><span class="badge st-${r.status}">${r.status}</span>${verificationBadge(r.verification)}${extra.length ? `<span class="sub">${h(extra.join(', '))}</span>` : ''}</td>` +
    `<td class="mono"${r.digest ? ` title="${h(r.digest)}"` : ''}>${h(shortDigest(r.digest))}</td>` +
    `<td class="num" data-sort="${r.bytes.copied}">${formatBytes(r.bytes.copied)}${moved.length ? `<span class="sub">${h(moved.join(', '))}</span>` : ''}</td>` +
    `<td class="num" data-sort="${r.durationMs}">${h(formatDuration(r.durationMs))}</td>` +
    `<td class="error">${error}</td>` +
    '</tr>'
  );
}

/** `verified` / `mismatch` next to the status, with what was checked as its tooltip. */
function verificationBadge(v: Verification | undefined): string {
  if (!v) return '';
  const title = `${v.mode ?? 'manifests'} verification: ${v.checked} manifests and blobs checked`;
  return ` <span class="badge vf-${h(v.status)}" title="${h(title)}">${v.status === 'verified' ? 'verified' : 'mismatch'}</span>`;
}

function mismatchList(v: Verification | undefined): string {
  if (!v?.mismatches.length) return '';
  return `<ul class="mismatches">${v.mismatches.map((m) => `<li data-mismatch="${h(m.what)}">${h(describeMismatch(m))}</li>`).join('')}</ul>`;
}
