import { failedRulePairs, renderHtml, renderMarkdown, RunReport } from '../../report/index.js';
import { REPORT_FILES, reportFileKey, type ObjectStore } from '../../store/index.js';

/**
 * Writes a run's files under `prefix` (`<prefix>/report.html`, ...): failed.yaml only when the run has
 * failures and `failedYaml` is given (the caller formats it from `failedRulePairs`), report.json
 * last, so a reader that finds report.json finds the others too. Returns the keys written, in order.
 */
export async function writeRunReport(store: ObjectStore, prefix: string, report: RunReport, failedYaml: string | undefined): Promise<string[]> {
  const checked = RunReport.parse(report);
  const files: Array<[string, string, string]> = [
    [REPORT_FILES.html, renderHtml(checked), 'text/html; charset=utf-8'],
    [REPORT_FILES.markdown, renderMarkdown(checked), 'text/markdown; charset=utf-8'],
  ];
  if (failedYaml !== undefined && failedRulePairs(checked).length > 0) files.push([REPORT_FILES.failedRules, failedYaml, 'application/yaml; charset=utf-8']);
  files.push([REPORT_FILES.json, `${JSON.stringify(checked, null, 2)}\n`, 'application/json; charset=utf-8']);
  const keys: string[] = [];
  for (const [name, body, contentType] of files) {
    const key = reportFileKey(prefix, name);
    await store.put(key, body, contentType);
    keys.push(key);
  }
  return keys;
}
