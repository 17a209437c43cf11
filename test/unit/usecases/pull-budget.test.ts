import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FsObjectStore, PullBudgetPolicy, type Claim, type PullLedger } from '../../../lib/store/index.js';
import { PullBudgetError, SharedPullBudget, publishPullBudget, readPullBudget } from '../../../lib/usecases/index.js';

/** A ledger in memory: `tokens` grants, then refusals that free one token `freeAfterMs` later. */
function ledger(tokens: number, freeAfterMs: number): PullLedger & { claims: number } {
  const granted: number[] = [];
  return {
    claims: 0,
    async claim(policy): Promise<Claim> {
      this.claims += 1;
      const now = Date.now();
      const live = granted.filter((t) => now - t < freeAfterMs);
      if (live.length < Math.min(tokens, policy.pulls)) {
        granted.push(now);
        return { granted: true };
      }
      return { granted: false, retryAt: Math.min(...live) + freeAfterMs };
    },
  };
}

const policy = (over: Partial<PullBudgetPolicy> = {}) => PullBudgetPolicy.parse({ registry: 'docker.io', pulls: 3, windowSeconds: 60, ...over });

describe('SharedPullBudget', () => {
  it('grants while the ledger has tokens', async () => {
    const l = ledger(3, 60_000);
    const budget = new SharedPullBudget(l, policy());
    for (let i = 0; i < 3; i++) await budget.take();
    assert.equal(l.claims, 3);
  });

  it('waits for a token that frees up within the wait limit, telling once that it waits', async () => {
    const l = ledger(1, 120);
    const waits: number[] = [];
    const budget = new SharedPullBudget(l, policy({ maxWaitSeconds: 5 }), (at) => waits.push(at));
    await budget.take();
    const started = Date.now();
    await budget.take();
    assert.ok(Date.now() - started >= 100, 'the second pull waited for the first token to free up');
    assert.equal(waits.length, 1);
  });

  it('fails at once with QUOTA_EXHAUSTED, naming the registry, the budget and the next free moment, when that is beyond the wait limit', async () => {
    const budget = new SharedPullBudget(ledger(1, 3_600_000), policy({ pulls: 1, windowSeconds: 3600, maxWaitSeconds: 1 }));
    await budget.take();
    const started = Date.now();
    await assert.rejects(budget.take(), (err: unknown) => {
      assert.ok(err instanceof PullBudgetError);
      assert.equal(err.code, 'QUOTA_EXHAUSTED');
      assert.match(err.message, /shared pull budget of docker\.io \(1 pulls per 3600 s, all workers together\) is used up; the next pull frees up at \d{4}-/);
      return true;
    });
    assert.ok(Date.now() - started < 500, 'no pointless wait');
  });

  it('stops waiting when the signal aborts', async () => {
    const budget = new SharedPullBudget(ledger(1, 5000), policy({ maxWaitSeconds: 30 }));
    await budget.take();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('deadline')), 50);
    await assert.rejects(budget.take(controller.signal), /deadline/);
  });
});

describe('pull budget policy in the store', () => {
  it('is published by one side and read by the other; absent means no budget', async () => {
    const store = new FsObjectStore(mkdtempSync(join(tmpdir(), 'unit-budget-')));
    assert.equal(await readPullBudget(store, '127.0.0.1:5000'), undefined);
    await publishPullBudget(store, policy({ registry: '127.0.0.1:5000', pulls: 40 }));
    assert.deepEqual(await readPullBudget(store, '127.0.0.1:5000'), { registry: '127.0.0.1:5000', pulls: 40, windowSeconds: 60, maxWaitSeconds: 60 });
  });
  it('refuses nonsense', () => {
    assert.throws(() => PullBudgetPolicy.parse({ registry: 'docker.io', pulls: 0, windowSeconds: 60 }));
    assert.throws(() => PullBudgetPolicy.parse({ registry: '../x', pulls: 1, windowSeconds: 60 }));
  });
});
