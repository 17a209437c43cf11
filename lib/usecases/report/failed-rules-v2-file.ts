import { isDigest } from '../../oci/index.js';
import type { TransferTask } from '../../planner/index.js';
import type { RunReport } from '../../report/index.js';
import type { RuleV2 } from '../../rules/index.js';

/**
 * failed.yaml of a version-2 run, keeping what the original rules asked for: each failed image as a
 * one-repository rule with its tag (or digest) and options (platforms, overwrite, the rendered backup
 * tag, referrers), images of the same repository pair and options grouped; then every rule that could
 * not be planned, as written.
 */
export function failedRulesV2(report: RunReport, tasks: readonly TransferTask[], rules: readonly RuleV2[]): Array<Record<string, unknown>> {
  const failed = new Set(report.results.filter((r) => r.status === 'failed').map((r) => r.taskId));
  const grouped = new Map<string, { rule: Record<string, unknown>; tags: string[]; digests: string[] }>();
  for (const t of tasks) {
    if (!failed.has(t.taskId)) continue;
    const rule = {
      source: `${t.source.registry}/${t.source.repository}`,
      target: `${t.target.registry}/${t.target.repository}`,
      ...(t.platforms ? { platforms: t.platforms } : {}),
      overwrite: t.overwrite,
      ...(t.referrers ? { referrers: t.referrers.artifactTypes ? t.referrers : true } : {}),
    };
    const key = JSON.stringify([rule, t.backupTag ?? null]);
    const group = grouped.get(key) ?? { rule: { ...rule, ...(t.backupTag ? { backup: t.backupTag } : {}) }, tags: [], digests: [] };
    (isDigest(t.source.reference) ? group.digests : group.tags).push(t.source.reference);
    grouped.set(key, group);
  }
  const images = [...grouped.values()].map(({ rule, tags, digests }) => ({
    ...rule,
    ...(tags.length ? { tags: { list: tags } } : {}),
    ...(digests.length ? { digests } : {}),
  }));
  const planFailed = new Set(report.planFailures.map((f) => JSON.stringify([f.rule.source, f.rule.target])));
  const unplanned = rules.filter((r) => planFailed.has(JSON.stringify([r.sourceText, r.targetText]))).map((r) => ({ ...r.raw }));
  return [...images, ...unplanned];
}
