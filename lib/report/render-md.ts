import { escapeControl } from '../util/escape-control.js';
import { hintText } from './failures.js';
import { formatBytes, formatDuration } from './format.js';
import type { RunReport, TaskResult } from './schema.js';

/** Text safe inside a GFM table cell: no line breaks or control characters (escaped), no pipes, no markup, no raw HTML. */
export function mdCell(text: string): string {
  return escapeControl(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~#!])/g, '\\$1')
    .trim();
}

/** A code span for identifiers (error codes): backticks and pipes cannot break out of it. */
function code(text: string): string {
  const inner = escapeControl(text).replace(/`/g, "'").replace(/\|/g, '\\|').trim();
  return inner ? `\`${inner}\`` : '';
}

/** A Markdown report: a summary table, then failed images and failed rules (when any). */
export function renderMarkdown(report: RunReport): string {
  const out = [`# image-transfer run ${mdCell(report.runId)}`, '', ...summaryTable(report)];
  const failed = report.results.filter((r) => r.status === 'failed');
  if (failed.length > 0) out.push('', `## Failed images (${failed.length})`, '', ...failureTable(failed));
  const mismatched = report.results.filter((r) => r.verification?.status === 'mismatch');
  if (mismatched.length > 0) out.push('', `## Verification mismatches (${mismatched.length})`, '', ...mismatchTable(mismatched));
  if (report.planFailures.length > 0) {
    out.push('', `## Rules that could not be planned (${report.planFailures.length})`, '');
    out.push('| Source | Target | Error |', '| --- | --- | --- |');
    for (const f of report.planFailures) {
      out.push(
        `| ${mdCell(f.rule.source)} | ${mdCell(f.rule.target)} | ${code(f.error.code)} ${mdCell(f.error.message)}${f.error.hint ? `<br>${mdCell(hintText(f.error.hint))}` : ''} |`,
      );
    }
  }
  if (failed.length + report.planFailures.length === 0) out.push('', 'No failures.');
  return `${out.join('\n')}\n`;
}

function summaryTable(report: RunReport): string[] {
  const t = report.totals;
  const verified: Array<[string, string]> = t.verification
    ? [
        ['Verified', String(t.verification.verified)],
        ['Verification mismatches', String(t.verification.mismatched)],
      ]
    : [];
  const rows: Array<[string, string]> = [
    ['Status', report.status],
    ['Images', String(t.images)],
    ['Succeeded', String(t.succeeded)],
    ['Skipped', String(t.skipped)],
    ['Failed', String(t.failed)],
    ['Plan failures', String(t.planFailed)],
    ...verified,
    ['Bytes copied', formatBytes(t.bytes.copied)],
    ['Bytes mounted', formatBytes(t.bytes.mounted)],
    ['Bytes already present', formatBytes(t.bytes.skipped)],
    ['Duration', formatDuration(report.durationMs)],
    ['Started', report.startedAt],
    ['Finished', report.finishedAt],
    ['Tool', `${report.tool.name} ${report.tool.version}`],
  ];
  return ['| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${mdCell(v)} |`)];
}

function failureTable(failed: readonly TaskResult[]): string[] {
  const lines = ['| Source | Target | Error | Where | Attempts |', '| --- | --- | --- | --- | ---: |'];
  for (const r of failed) {
    const where = [r.error?.origin, r.error?.op].filter(Boolean).join(' / ');
    const error = r.error ? `${code(r.error.code)} ${mdCell(r.error.message)}${r.error.hint ? `<br>${mdCell(hintText(r.error.hint))}` : ''}` : 'unknown error';
    lines.push(`| ${mdCell(r.source)} | ${mdCell(r.target)} | ${error} | ${mdCell(where)} | ${r.attempts} |`);
  }
  return lines;
}

function mismatchTable(results: readonly TaskResult[]): string[] {
  const lines = ['| Target | What | Reference | Expected | Found |', '| --- | --- | --- | --- | --- |'];
  for (const r of results) {
    for (const m of r.verification?.mismatches ?? []) {
      lines.push(`| ${mdCell(r.target)} | ${m.what} | ${mdCell(m.reference)} | ${code(m.expected)} | ${m.actual === undefined ? 'missing' : code(m.actual)} |`);
    }
  }
  return lines;
}
