import pLimit from 'p-limit';
import { dedupeTasks, expandRule, type ExpandOptions, type TransferTask } from '../../planner/index.js';
import type { PlanFailure } from '../../report/index.js';
import type { Rule, RuleV2 } from '../../rules/index.js';
import { redact } from '../../util/redact.js';
import { planRuleV2, type PlanV2Deps } from './plan-v2-rules.js';
import { CodedError, codeOf, messageOf, systemCodeOf } from '../../util/errors.js';

export interface PlanDeps extends Partial<PlanV2Deps> {
  /** Tags of a source repository (whole-repository rules only). */
  listTags(registry: string, repository: string, signal?: AbortSignal): Promise<string[]>;
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
      error: { code: codeOf(err) ?? systemCodeOf(err) ?? 'PLAN_FAILED', message: where ? `${where}: ${message}` : message },
    });
  };
  const expanded = await Promise.all(
    rules.map((rule) =>
      limit(async () => {
        try {
          if ('version' in rule) return await planRuleV2(v2Deps(deps), rule, { ...options, now: options.now ?? new Date() }, (where, err) => fail(rule, err, where));
          const tags =
            rule.source.selection.kind === 'all'
              ? await deps.listTags(rule.source.registry, rule.source.repository, options.signal)
              : undefined;
          if (tags?.length === 0) throw new CodedError('SOURCE_NOT_FOUND', `no tags found in ${rule.source.registry}/${rule.source.repository}`);
          return expandRule(rule, tags, options);
        } catch (err) {
          fail(rule, err);
          return [];
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
