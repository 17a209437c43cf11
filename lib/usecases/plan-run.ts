import pLimit from 'p-limit';
import { dedupeTasks, expandRule, type ExpandOptions, type TransferTask } from '../planner/index.js';
import type { PlanFailure } from '../report/index.js';
import type { Rule } from '../rules/index.js';
import { redact } from '../util/redact.js';

export interface PlanDeps {
  /** Tags of a source repository (whole-repository rules only). */
  listTags(registry: string, repository: string, signal?: AbortSignal): Promise<string[]>;
}

export interface PlanOptions extends ExpandOptions {
  readonly signal?: AbortSignal;
  /** Rules listed at once. @default 5 */
  readonly concurrency?: number;
}

export interface Plan {
  readonly tasks: TransferTask[];
  readonly planFailures: PlanFailure[];
}

/** Rules -> tasks. A rule whose tags cannot be listed becomes a plan failure; the others still run. */
export async function planRun(deps: PlanDeps, rules: readonly Rule[], options: PlanOptions): Promise<Plan> {
  const limit = pLimit(Math.max(1, options.concurrency ?? 5));
  const planFailures: PlanFailure[] = [];
  const expanded = await Promise.all(
    rules.map((rule) =>
      limit(async () => {
        try {
          const tags =
            rule.source.selection.kind === 'all'
              ? await deps.listTags(rule.source.registry, rule.source.repository, options.signal)
              : undefined;
          if (tags?.length === 0) throw Object.assign(new Error(`no tags found in ${rule.source.registry}/${rule.source.repository}`), { code: 'SOURCE_NOT_FOUND' });
          return expandRule(rule, tags, options);
        } catch (err) {
          const e = err as { code?: string; message?: string };
          planFailures.push({
            rule: { source: rule.sourceText, target: rule.targetText },
            error: { code: e.code ?? 'PLAN_FAILED', message: redact(e.message ?? String(err)) },
          });
          return [];
        }
      }),
    ),
  );
  return { tasks: dedupeTasks(expanded.flat()).tasks, planFailures };
}
