import pLimit from 'p-limit';
import { dedupeTasks, expandRule, type ExpandOptions, type TransferTask } from '../../planner/index.js';
import type { PlanFailure } from '../../report/index.js';
import type { Rule, RuleV2 } from '../../rules/index.js';
import { redact } from '../../util/redact.js';
import { shownNames, type OnSkippedName } from '../../registry/index.js';
import { failureHint } from '../transfer/explain-failure.js';
import { planRuleV2, type PlanV2Deps } from './plan-v2-rules.js';
import { CodedError, codeOf, messageOf, systemCodeOf } from '../../util/errors.js';

export interface PlanDeps extends Partial<PlanV2Deps> {
  /** Tags of a source repository (whole-repository rules only); invalid listed names go to `onSkipped`. */
  listTags(registry: string, repository: string, signal?: AbortSignal, onSkipped?: OnSkippedName): Promise<string[]>;
}

export interface PlanOptions extends ExpandOptions {
  readonly signal?: AbortSignal;
  /** Rules listed at once. @default 5 */
  readonly concurrency?: number;
  /** Dates backup tags of version-2 rules. @default now */
  readonly now?: Date;
}

export interface Plan {
  readonly tasks: TransferTask[];
  readonly planFailures: PlanFailure[];
}

/** Rules of either format -> tasks. A rule that cannot be planned becomes a plan failure; the others still run. */
export async function planRun(deps: PlanDeps, rules: ReadonlyArray<Rule | RuleV2>, options: PlanOptions): Promise<Plan> {
  const limit = pLimit(Math.max(1, options.concurrency ?? 5));
  const planFailures: PlanFailure[] = [];
  const fail = (rule: Rule | RuleV2, err: unknown, where?: string): void => {
    const message = redact(messageOf(err));
    planFailures.push({
      rule: { source: rule.sourceText, target: rule.targetText },
      error: {
        code: codeOf(err) ?? systemCodeOf(err) ?? 'PLAN_FAILED',
        message: where ? `${where}: ${message}` : message,
        ...failureHint(err, rule.source.registry),
      },
    });
  };
  const expanded = await Promise.all(
    rules.map((rule) =>
      limit(async () => {
        // names a registry lists that are not valid are skipped, and the rule reports them once per listing
        const skipped = new Map<string, string[]>();
        const skip =
          (where: string): OnSkippedName =>
          (name) =>
            skipped.set(where, [...(skipped.get(where) ?? []), name]);
        const listing: PlanDeps = {
          ...deps,
          listTags: (registry, repository, signal) => deps.listTags(registry, repository, signal, skip(`${registry}/${repository} tags`)),
          ...(deps.listRepositories ? { listRepositories: (registry, signal) => deps.listRepositories!(registry, signal, skip(`${registry} catalog`)) } : {}),
        };
        try {
          if ('version' in rule)
            return await planRuleV2(v2Deps(listing), rule, { ...options, now: options.now ?? new Date() }, (where, err) => fail(rule, err, where));
          const tags = rule.source.selection.kind === 'all' ? await listing.listTags(rule.source.registry, rule.source.repository, options.signal) : undefined;
          if (tags?.length === 0) throw new CodedError('SOURCE_NOT_FOUND', `no tags found in ${rule.source.registry}/${rule.source.repository}`);
          return expandRule(rule, tags, options);
        } catch (err) {
          fail(rule, err);
          return [];
        } finally {
          for (const [where, names] of skipped)
            fail(rule, new CodedError('INVALID_NAME', `skipped ${names.length} listed name(s) that are not valid: ${shownNames(names)}`), where);
        }
      }),
    ),
  );
  return { tasks: dedupeTasks(expanded.flat()).tasks, planFailures };
}

function v2Deps(deps: PlanDeps): PlanV2Deps {
  const missing = (what: string) => () => Promise.reject(new Error(`this runner cannot ${what}`));
  return {
    listTags: deps.listTags,
    listRepositories: deps.listRepositories ?? missing('list a registry catalog'),
    imageCreated: deps.imageCreated ?? missing('read image creation times'),
  };
}
