import type { RulePair, RunReport } from './schema.js';

/**
 * The rules that re-run exactly what failed: each failed image's single-image rule, then each
 * rule that could not be planned; de-duplicated, first occurrence kept.
 */
export function failedRulePairs(report: RunReport): RulePair[] {
  const seen = new Set<string>();
  const pairs: RulePair[] = [];
  const add = (rule: RulePair): void => {
    const key = JSON.stringify([rule.source, rule.target]);
    if (seen.has(key)) return;
    seen.add(key);
    pairs.push({ source: rule.source, target: rule.target });
  };
  for (const r of report.results) if (r.status === 'failed') add(r.rule);
  for (const f of report.planFailures) add(f.rule);
  return pairs;
}
