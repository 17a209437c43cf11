import { failedRulePairs } from './failed-rules.js';
import type { ReportStore } from './port.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-md.js';
import { RunReport } from './schema.js';

export const REPORT_FILES = {
  json: 'report.json',
  html: 'report.html',
  markdown: 'report.md',
  failedRules: 'failed.yaml',
} as const;

function keyUnder(prefix: string, name: string): string {
  const base = prefix.replace(/\/+$/, '');
  return base ? `${base}/${name}` : name;
}

/**
 * Writes a run's files under `prefix` (`<prefix>/report.html`, ...): failed.yaml only when the run has
 * failures and `failedYaml` is given (the caller formats it from `failedRulePairs`), report.json
 * last, so a reader that finds report.json finds the others too. Returns the keys written, in order.
 */
export async function writeRunReport(
  store: ReportStore,
  prefix: string,
  report: RunReport,
  failedYaml: string | undefined,
): Promise<string[]> {
  const checked = RunReport.parse(report);
  const files: Array<[string, string, string]> = [
    [REPORT_FILES.html, renderHtml(checked), 'text/html; charset=utf-8'],
    [REPORT_FILES.markdown, renderMarkdown(checked), 'text/markdown; charset=utf-8'],
  ];
  if (failedYaml !== undefined && failedRulePairs(checked).length > 0) files.push([REPORT_FILES.failedRules, failedYaml, 'application/yaml; charset=utf-8']);
  files.push([REPORT_FILES.json, `${JSON.stringify(checked, null, 2)}\n`, 'application/json; charset=utf-8']);
  const keys: string[] = [];
  for (const [name, body, contentType] of files) {
    const key = keyUnder(prefix, name);
    await store.put(key, body, contentType);
    keys.push(key);
  }
  return keys;
}
