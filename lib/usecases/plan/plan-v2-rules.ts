import pLimit from 'p-limit';
import { expandRuleV2, selectTags, type TransferTask } from '../../planner/index.js';
import type { RuleV2 } from '../../rules/index.js';
import { CodedError } from '../../util/errors.js';
import type { OnSkippedName } from '../../registry/index.js';

export interface PlanV2Deps {
  /** Names the registry lists that are not valid go to `onSkipped` and are left out. */
  listTags(registry: string, repository: string, signal?: AbortSignal, onSkipped?: OnSkippedName): Promise<string[]>;
  /** Every repository of a registry (`/v2/_catalog`, all pages). */
  listRepositories(registry: string, signal?: AbortSignal, onSkipped?: OnSkippedName): Promise<string[]>;
  /** The image config's `created` of a tag (the first real platform of an index); undefined when absent. */
  imageCreated(registry: string, repository: string, tag: string, signal?: AbortSignal): Promise<Date | undefined>;
}

/** Repository-level problems of a catalog rule are reported one by one; the other repositories still run. */
export type OnRepositoryFailure = (where: string, err: unknown) => void;

const noMatch = (what: string): Error => new CodedError('NO_MATCHING_TAGS', `no tags of ${what} match the rule's tag filter`);

/**
 * A version-2 rule -> tasks: the catalog (registry-wide sources) filtered by repository patterns,
 * then each repository's tags through the tag filter. A single-repository rule that selects nothing
 * fails (it is most likely a mistake); a catalog repository with no matching tag is simply skipped.
 */
export async function planRuleV2(
  deps: PlanV2Deps,
  rule: RuleV2,
  options: { runId: string; now: Date; signal?: AbortSignal },
  onRepositoryFailure: OnRepositoryFailure,
): Promise<TransferTask[]> {
  const { registry } = rule.source;
  const repositories = rule.source.catalog ? catalogRepositories(rule, await deps.listRepositories(registry, options.signal)) : [rule.source.repository];
  const limit = pLimit(4);
  const perRepository = await Promise.all(
    repositories.map((repository) =>
      limit(async () => {
        try {
          return await planRepository(deps, rule, repository, options);
        } catch (err) {
          if (!rule.source.catalog) throw err;
          onRepositoryFailure(`${registry}/${repository}`, err);
          return [];
        }
      }),
    ),
  );
  return perRepository.flat();
}

function catalogRepositories(rule: RuleV2, all: readonly string[]): string[] {
  const { repository: prefix, catalog } = rule.source;
  const under = prefix ? all.filter((r) => r.startsWith(`${prefix}/`)) : [...all];
  return under.filter((r) => {
    const path = prefix ? r.slice(prefix.length + 1) : r;
    const matches = (re: RegExp) => re.test(path);
    return (catalog!.include.length === 0 || catalog!.include.some(matches)) && !catalog!.exclude.some(matches);
  });
}

async function planRepository(
  deps: PlanV2Deps,
  rule: RuleV2,
  repository: string,
  options: { runId: string; now: Date; signal?: AbortSignal },
): Promise<TransferTask[]> {
  const { registry } = rule.source;
  const wantsTags = rule.tags !== undefined || rule.digests === undefined;
  const available = wantsTags && !rule.tags?.list ? await deps.listTags(registry, repository, options.signal) : [];
  const created = pLimit(8);
  const tags = wantsTags
    ? await selectTags(available, rule.tags, (tag) => created(() => deps.imageCreated(registry, repository, tag, options.signal)), options.now)
    : [];
  if (wantsTags && tags.length === 0 && !rule.digests && !rule.source.catalog) throw noMatch(`${registry}/${repository}`);
  return expandRuleV2(rule, repository, tags, options);
}
