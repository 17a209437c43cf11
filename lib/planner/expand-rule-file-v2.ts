import { parseReference } from '../oci/index.js';
import { backupVars, render, renderRepository, repositoryVars, type RuleV2 } from '../rules/index.js';
import { formatEndpoint, taskIdOf, type Endpoint, type TransferTask } from './task.js';

/** The target repository of `repository` under a version-2 rule; throws when the template makes no valid name. */
export function targetRepository(rule: RuleV2, repository: string): string {
  const rendered = renderRepository(rule.target.repositoryTemplate, repositoryVars(rule.source.registry, repository, rule.source.repository));
  const ref = parseReference(`${rule.target.registry}/${rendered}`);
  return ref.repository;
}

/**
 * Pure: one repository of a version-2 rule and its selected tags -> tasks (tags keep their names;
 * digests are copied by digest, untagged). `now` dates backup tags, so a plan is reproducible.
 */
export function expandRuleV2(rule: RuleV2, repository: string, tags: readonly string[], options: { runId: string; now: Date }): TransferTask[] {
  const target = targetRepository(rule, repository);
  const make = (reference: string, tag: boolean): TransferTask => {
    const s: Endpoint = { registry: rule.source.registry, repository, reference };
    const t: Endpoint = { registry: rule.target.registry, repository: target, reference };
    return {
      runId: options.runId,
      taskId: taskIdOf(s, t),
      source: s,
      target: t,
      overwrite: rule.overwrite,
      rule: { source: formatEndpoint(s), target: formatEndpoint(t) },
      ...(rule.platforms ? { platforms: [...rule.platforms] } : {}),
      ...(rule.backup && tag ? { backupTag: render(rule.backup, backupVars(reference, options.now)) } : {}),
      ...(rule.referrers ? { referrers: rule.referrers.artifactTypes ? { artifactTypes: [...rule.referrers.artifactTypes] } : {} } : {}),
    };
  };
  return [...tags.map((t) => make(t, true)), ...(rule.digests ?? []).map((d) => make(d, false))];
}
