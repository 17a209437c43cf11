import pLimit from 'p-limit';
import type { PlanFailure } from '../../report/index.js';
import type { Rule, RuleV2 } from '../../rules/index.js';
import { codeOf, messageOf, systemCodeOf } from '../../util/errors.js';
import { redact } from '../../util/redact.js';
import { failureHint } from '../transfer/explain-failure.js';

export interface AccessCheckDeps {
  /** The registry's first request: ping, then an authenticated request with the credentials of registry/repository. */
  checkAccess(registry: string, repository: string, signal?: AbortSignal): Promise<void>;
  /** Where those credentials come from, in words (`null`: anonymous); also what tells two credential sets apart. */
  credentialSource?(registry: string, repository: string): string | null;
}

/** One registry (with one set of credentials) that failed its check, and the rules it stops. */
export interface AccessCheckFailure {
  readonly registry: string;
  readonly error: PlanFailure['error'];
  readonly rules: ReadonlyArray<Rule | RuleV2>;
}

export interface AccessCheck {
  /** Rules whose registries all answered. */
  readonly passed: ReadonlyArray<Rule | RuleV2>;
  readonly failed: readonly AccessCheckFailure[];
}

/**
 * Before anything is listed or copied: each registry the rules name, once per set of credentials, gets
 * its first request (ping + auth), so wrong credentials, TLS mistakes and a registry that is down are
 * reported once, with the rules they stop, instead of once per image. Store-free: the CLI and the
 * serverless planner can both call it.
 */
export async function checkRegistryAccess(
  deps: AccessCheckDeps,
  rules: ReadonlyArray<Rule | RuleV2>,
  options: { signal?: AbortSignal; concurrency?: number } = {},
): Promise<AccessCheck> {
  const places = new Map<string, { registry: string; repository: string; rules: Set<Rule | RuleV2> }>();
  for (const rule of rules) {
    const ends = [
      { registry: rule.source.registry, repository: rule.source.repository },
      { registry: rule.target.registry, repository: 'version' in rule ? '' : rule.target.repository },
    ];
    for (const { registry, repository } of ends) {
      const key = `${registry}\n${deps.credentialSource?.(registry, repository) ?? ''}`;
      const place = places.get(key) ?? { registry, repository, rules: new Set() };
      place.rules.add(rule);
      places.set(key, place);
    }
  }
  const limit = pLimit(Math.max(1, options.concurrency ?? 5));
  const failed = (
    await Promise.all(
      [...places.values()].map((place) =>
        limit(async (): Promise<AccessCheckFailure | undefined> => {
          try {
            await deps.checkAccess(place.registry, place.repository, options.signal);
            return undefined;
          } catch (err) {
            const context = { credentialSource: deps.credentialSource?.(place.registry, place.repository) };
            const error = {
              code: codeOf(err) ?? systemCodeOf(err) ?? 'PLAN_FAILED',
              message: redact(`${place.registry}: ${messageOf(err)}`),
              ...failureHint(err, place.registry, context),
            };
            return { registry: place.registry, error, rules: [...place.rules] };
          }
        }),
      ),
    )
  ).filter((f): f is AccessCheckFailure => f !== undefined);
  const stopped = new Set(failed.flatMap((f) => f.rules));
  return { passed: rules.filter((r) => !stopped.has(r)), failed };
}

/** The plan failures of the rules a failed check stops: each rule once, with the first registry that stopped it. */
export function checkPlanFailures(failed: readonly AccessCheckFailure[]): PlanFailure[] {
  const seen = new Set<Rule | RuleV2>();
  return failed.flatMap((f) =>
    f.rules.filter((r) => !seen.has(r) && seen.add(r)).map((r) => ({ rule: { source: r.sourceText, target: r.targetText }, error: f.error })),
  );
}
