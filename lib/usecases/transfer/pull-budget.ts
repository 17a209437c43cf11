import { PullBudgetPolicy, pullBudgetKeys, type ObjectStore, type PullLedger } from '../../store/index.js';
import { sleep } from '../../util/sleep.js';
import { CodedError } from '../../util/errors.js';

/** Resumable: a later run skips what was copied and pulls only the rest. */
export class PullBudgetError extends CodedError<'QUOTA_EXHAUSTED'> {
  constructor(message: string) {
    super('QUOTA_EXHAUSTED', message);
    this.name = 'PullBudgetError';
  }
}

/**
 * The shared budget as the registry client's pull gate (lib/registry PullGate): each manifest GET takes
 * one token, waiting up to `maxWaitSeconds` for one to free up.
 */
export class SharedPullBudget {
  private waiting = false;

  constructor(
    private readonly ledger: PullLedger,
    readonly policy: PullBudgetPolicy,
    private readonly onWait?: (retryAt: number) => void,
  ) {}

  async take(signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.policy.maxWaitSeconds * 1000;
    for (;;) {
      const claim = await this.ledger.claim(this.policy, signal);
      if (claim.granted) {
        this.waiting = false;
        return;
      }
      if (claim.retryAt > deadline) {
        const { registry, pulls, windowSeconds, maxWaitSeconds } = this.policy;
        throw new PullBudgetError(
          `QUOTA_EXHAUSTED: the shared pull budget of ${registry} (${pulls} pulls per ${windowSeconds} s, all workers together) is used up; ` +
            `the next pull frees up at ${Number.isFinite(claim.retryAt) ? new Date(claim.retryAt).toISOString() : 'an unknown time'}, later than the ${maxWaitSeconds} s wait limit. Run again after that: images already copied are skipped.`,
        );
      }
      if (!this.waiting) this.onWait?.(claim.retryAt);
      this.waiting = true;
      await sleep(Math.max(50, claim.retryAt - Date.now()), signal);
    }
  }
}

/** Where the policy of a registry is kept, so that workers (which see tasks, not run options) find it. */
export const pullBudgetKey = pullBudgetKeys.policy;

/** Makes `policy` the budget of its registry for every worker from now on (the planner's side). */
export async function publishPullBudget(store: ObjectStore, policy: PullBudgetPolicy): Promise<void> {
  await store.put(pullBudgetKey(policy.registry), JSON.stringify(PullBudgetPolicy.parse(policy)), 'application/json');
}

/** The worker's side: the registry's budget, or undefined when it has none. */
export async function readPullBudget(store: ObjectStore, registry: string): Promise<PullBudgetPolicy | undefined> {
  const text = await store.get(pullBudgetKey(registry));
  return text === undefined ? undefined : PullBudgetPolicy.parse(JSON.parse(text));
}

/** How long a worker trusts the policy it read; a changed budget reaches warm workers after this. */
const POLICY_TTL_MS = 60_000;

/**
 * Pull gates for the registry client of a worker, one per registry: a registry with a published
 * policy spends tokens of `ledger`; one without costs a store read per minute and nothing else.
 */
export function pullBudgetGates(
  store: ObjectStore,
  ledger: PullLedger,
  onWait?: (policy: PullBudgetPolicy, retryAt: number) => void,
): (registry: string) => { take(signal?: AbortSignal): Promise<void> } {
  const budgets = new Map<string, { at: number; budget: Promise<SharedPullBudget | undefined> }>();
  const budgetOf = (registry: string): Promise<SharedPullBudget | undefined> => {
    const hit = budgets.get(registry);
    if (hit && Date.now() - hit.at < POLICY_TTL_MS) return hit.budget;
    const budget = readPullBudget(store, registry).then((p) => (p ? new SharedPullBudget(ledger, p, (at) => onWait?.(p, at)) : undefined));
    budgets.set(registry, { at: Date.now(), budget: budget.catch((err: unknown) => (budgets.delete(registry), Promise.reject(err))) });
    return budget;
  };
  return (registry) => ({ take: async (signal) => (await budgetOf(registry))?.take(signal) });
}
