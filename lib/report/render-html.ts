import { createHash } from 'node:crypto';
import { REPORT_HTML_PAGE_ROWS, REPORT_HTML_STATIC_FAILED_ROWS } from '../util/limits.js';
import { hintText } from './failures.js';
import { formatBytes, formatDuration } from './format.js';
import { REPORT_CSS, REPORT_SCRIPT } from './html-assets.js';
import { escapeControl } from '../util/escape-control.js';
import { escapeHtml, jsonForScript } from './html-escape.js';
import { type RowView, rowView } from './html-rows.js';
import type { PlanFailure, RunReport } from './schema.js';

/** Every datum shown: control characters escaped (visible, and inert in a terminal that prints the file), then HTML-escaped. */
const h = (text: string): string => escapeHtml(escapeControl(text));

/** JSON for a script block with DEL and C1 escaped as well (JSON.stringify escapes only C0); JSON.parse restores them. */
const scriptData = (value: unknown): string => jsonForScript(value).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * One self-contained page: no external resource, every datum HTML-escaped, and a CSP that lets only
 * the page's own script and style run (defence in depth against untrusted image names and error
 * messages). The summary, the plan failures and the first rows of the results table (every failed
 * image up to REPORT_HTML_STATIC_FAILED_ROWS, at least one page) are rendered here and read without
 * JavaScript; all rows are embedded as JSON (`#report-rows`, see RowView) and the script shows them a
 * page of REPORT_HTML_PAGE_ROWS at a time, sorted and filtered, so a 10,000-image page opens in a
 * second or two. Test hooks: `[data-count=images|succeeded|skipped|failed|planFailed]` (and
 * `verified|mismatched` when the run verified), `#results tr[data-status][data-verification]`,
 * `li[data-mismatch]`, `#plan-failures tr[data-plan-failure]`, `#report-rows` (the rows' JSON;
 * report.json itself lies beside the page, not in it), `#static-note` (shown when rows are left out
 * without JavaScript), `#page-info`, `#prev-page`, `#next-page`.
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
  const views = report.results.map(rowView);
  const staticRows = Math.max(REPORT_HTML_PAGE_ROWS, Math.min(t.failed, REPORT_HTML_STATIC_FAILED_ROWS));
  const shown = views.slice(0, staticRows);
  const option = (value: string, label: string, n: number): string => `<option value="${value}">${label} (${n})</option>`;
  const th = (label: string, type?: 'number'): string =>
    `<th scope="col"${type ? ` data-type="${type}" class="num"` : ''}><button type="button">${label}</button></th>`;
  const note =
    shown.length < views.length
      ? `<p class="meta" id="static-note">Without JavaScript this page lists the first ${shown.length} of ${views.length} images (failures first); all are in report.json.</p>\n`
      : '';
  return `<h2>Images (${t.images})</h2>
<div class="controls" id="controls" hidden>
<label>Status <select id="status-filter">${option('all', 'all', t.images)}${option('failed', 'failed', t.failed)}${option('skipped', 'skipped', t.skipped)}${option('succeeded', 'succeeded', t.succeeded)}</select></label>
<label>Find <input id="text-filter" type="search" placeholder="image or error"></label>
<span>showing <span id="shown-count">${t.images}</span> of ${t.images}</span>
<span class="pager"><button type="button" id="prev-page">previous</button> <span id="page-info"></span> <button type="button" id="next-page">next</button></span>
</div>
<table id="results" data-page-rows="${REPORT_HTML_PAGE_ROWS}">
<thead><tr>${th('Source')}${th('Target')}${th('Status', 'number')}${th('Digest')}${th('Copied', 'number')}${th('Duration', 'number')}${th('Error')}</tr></thead>
<tbody>
${shown.map(resultRow).join('\n')}
</tbody>
</table>
${note}<script type="application/json" id="report-rows">${scriptData(views)}</script>`;
}

function resultRow(v: RowView): string {
  const error =
    v.ec === undefined
      ? ''
      : `<code>${h(v.ec)}</code> ${h(v.em ?? '')}${v.ew ? `<span class="sub">${h(v.ew)}</span>` : ''}${v.eh ? `<span class="sub hint">${h(v.eh)}</span>` : ''}${mismatchList(v.mm)}`;
  return (
    `<tr data-status="${v.s}" data-index="${v.i}"${v.v ? ` data-verification="${h(v.v)}"` : ''}>` +
    `<td class="mono">${h(v.src)}</td>` +
    `<td class="mono">${h(v.dst)}</td>` +
    `<td data-sort="${v.r}"><span class="badge st-${v.s}">${v.s}</span>${verificationBadge(v)}${v.x ? `<span class="sub">${h(v.x)}</span>` : ''}</td>` +
    `<td class="mono"${v.dd ? ` title="${h(v.dd)}"` : ''}>${h(v.d)}</td>` +
    `<td class="num" data-sort="${v.cb}">${h(v.c)}${v.m ? `<span class="sub">${h(v.m)}</span>` : ''}</td>` +
    `<td class="num" data-sort="${v.tm}">${h(v.t)}</td>` +
    `<td class="error">${error}</td>` +
    '</tr>'
  );
}

/** `verified` / `mismatch` next to the status, with what was checked as its tooltip. */
function verificationBadge(v: RowView): string {
  if (!v.v) return '';
  return ` <span class="badge vf-${h(v.v)}" title="${h(v.vt ?? '')}">${v.v === 'verified' ? 'verified' : 'mismatch'}</span>`;
}

function mismatchList(mm: RowView['mm']): string {
  if (!mm?.length) return '';
  return `<ul class="mismatches">${mm.map(([what, text]) => `<li data-mismatch="${h(what)}">${h(text)}</li>`).join('')}</ul>`;
}
