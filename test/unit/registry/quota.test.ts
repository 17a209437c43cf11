import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPull, parseRateLimit, PullQuota, QuotaError, reserveOf, type PacingEvent } from '../../../lib/registry/quota.js';

describe('parseRateLimit', () => {
  it("reads Docker Hub's form (limit and remaining with the window as a parameter)", () => {
    assert.deepEqual(parseRateLimit({ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600' }), {
      remaining: 76,
      limit: 100,
      windowSeconds: 21600,
    });
  });
  it('reads the IETF draft 01 combined dictionary, with a policy for the window', () => {
    assert.deepEqual(parseRateLimit({ ratelimit: 'limit=100, remaining=76, reset=30' }), { remaining: 76, limit: 100, resetSeconds: 30 });
    assert.deepEqual(parseRateLimit({ ratelimit: 'limit=100, remaining=76, reset=30', 'ratelimit-policy': '100;w=3600' }), {
      remaining: 76,
      limit: 100,
      windowSeconds: 3600,
      resetSeconds: 30,
    });
  });
  it('reads the draft 03–07 separate fields with RateLimit-Policy and RateLimit-Reset', () => {
    assert.deepEqual(
      parseRateLimit({ 'ratelimit-limit': '10', 'ratelimit-remaining': '3', 'ratelimit-reset': '42', 'ratelimit-policy': '10;w=60, 1000;w=86400' }),
      {
        remaining: 3,
        limit: 10,
        windowSeconds: 60,
        resetSeconds: 42,
      },
    );
  });
  it('reads the draft 08 named policies and keeps the tightest', () => {
    const headers = { 'ratelimit-policy': '"burst";q=10;w=1, "daily";q=1000;w=86400', ratelimit: '"burst";r=9;t=1, "daily";r=4;t=3000' };
    assert.deepEqual(parseRateLimit(headers), { remaining: 4, limit: 1000, windowSeconds: 86400, resetSeconds: 3000 });
  });
  it('returns undefined without rate-limit headers or with garbage', () => {
    assert.equal(parseRateLimit({ 'content-type': 'application/json' }), undefined);
    assert.equal(parseRateLimit({ 'ratelimit-remaining': 'lots' }), undefined);
  });
});

describe('isPull', () => {
  it('counts manifest GETs only', () => {
    assert.ok(isPull('GET', '/v2/library/busybox/manifests/latest'));
    assert.ok(isPull('GET', '/v2/a/b/c/manifests/sha256:abc?x=1'));
    assert.ok(!isPull('HEAD', '/v2/library/busybox/manifests/latest'));
    assert.ok(!isPull('GET', '/v2/library/busybox/blobs/sha256:abc'));
    assert.ok(!isPull('GET', '/v2/'));
    assert.ok(!isPull('PUT', '/v2/x/manifests/v1'));
  });
});

describe('reserveOf', () => {
  it('takes a count or a share of the limit, rounded up', () => {
    assert.equal(reserveOf(7, 100), 7);
    assert.equal(reserveOf('7', 100), 7);
    assert.equal(reserveOf('5%', 100), 5);
    assert.equal(reserveOf('5%', 10), 1);
    assert.equal(reserveOf('5%', undefined), 0);
    assert.throws(() => reserveOf('lots', 100), TypeError);
  });
});

/** A clock the test moves; `sleep` in PullQuota uses real timers, so waits are kept at a few ms. */
function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('PullQuota', () => {
  const hub = (remaining: number, limit = 100, w = 21600) => ({ 'ratelimit-limit': `${limit};w=${w}`, 'ratelimit-remaining': `${remaining};w=${w}` });

  it('lets pulls through freely before any header and while above the reserve', async () => {
    const q = new PullQuota('r', { reserve: 5 });
    for (let i = 0; i < 20; i++) await q.beforePull();
    q.observe(hub(50), true);
    await q.beforePull();
  });

  it('counts pulls in flight against the remaining budget, waits for their answers at the reserve, then fails fast beyond the wait limit', async () => {
    const c = clock();
    const q = new PullQuota('docker.io', { reserve: 5, maxWaitMs: 1000, now: c.now });
    q.observe(hub(8), false);
    await q.beforePull();
    await q.beforePull();
    // 8 remaining - 2 in flight = 6 > 5: one more; then 5 = reserve with 3 pulls out: wait for them
    await q.beforePull();
    let settled = false;
    const fourth = q.beforePull().finally(() => (settled = true));
    fourth.catch(() => {});
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(settled, false, 'no decision while pulls are out');
    for (let i = 0; i < 3; i++) q.observe(hub(5), true);
    // 5 = reserve and nothing out: pacing at 21600/100 s = 216 s > 1 s
    await assert.rejects(fourth, (err: unknown) => {
      assert.ok(err instanceof QuotaError);
      assert.equal(err.code, 'QUOTA_EXHAUSTED');
      assert.match(err.message, /pull quota of docker\.io is used up \(5 of 100 pulls left per 21600 s window, 5 kept in reserve\)/);
      assert.match(err.message, /next pull can be allowed at \d{4}-\d\d-\d\dT/);
      assert.equal(err.resetAt, c.now() + 216_000);
      return true;
    });
  });

  it('a response sent before a pull came back cannot undo that pull (replies on other connections arrive in any order)', async () => {
    const q = new PullQuota('r', { reserve: 5, maxWaitMs: 0 });
    q.observe(hub(7), false);
    await q.beforePull();
    const pullMark = q.mark();
    const headMark = q.mark(); // a HEAD sent while the pull is in flight, answered "7 left" before the pull counted
    q.observe(hub(6), true, pullMark);
    q.observe(hub(7), false, headMark);
    // the late "7 left" cannot raise the budget above the pull's "6 left": one more pull, then the reserve holds
    await q.beforePull();
    const last = q.beforePull();
    q.observe(hub(5), true);
    await assert.rejects(last, (err: unknown) => err instanceof QuotaError && /\(5 of 100 pulls left/.test(err.message));
  });

  it('a HEAD response with fresh headers frees the budget again (no pull spent)', async () => {
    const q = new PullQuota('r', { reserve: 5, maxWaitMs: 0 });
    q.observe(hub(5), false);
    await assert.rejects(q.beforePull(), QuotaError);
    q.observe(hub(40), false);
    await q.beforePull();
  });

  it('holds a pull at the reserve, re-reads the budget with a free HEAD each interval, and never spends the reserve; logs once', async () => {
    const events: PacingEvent[] = [];
    // limit 1000 per 20 s: a check every 20 ms once at the reserve
    const q = new PullQuota('r', { reserve: 2, maxWaitMs: 1000, onPacing: (e) => events.push(e) });
    q.observe(hub(2, 1000, 20), false);
    let refreshes = 0;
    const refresh = async () => {
      refreshes += 1;
      // the registry gives a credit back on the third look
      q.observe(hub(refreshes >= 3 ? 3 : 2, 1000, 20), false);
    };
    const started = Date.now();
    await q.beforePull(undefined, refresh);
    assert.equal(refreshes, 3, 'held until the budget was above the reserve');
    assert.ok(Date.now() - started >= 55, 'waited an interval before each look');
    assert.equal(events.length, 1, 'pacing is reported once, not per look');
    assert.equal(events[0]!.reserve, 2);
    assert.equal(events[0]!.windowSeconds, 20);
  });

  it('without a way to re-read, paces by the clock: one pull per window/limit', async () => {
    const q = new PullQuota('r', { reserve: 2, maxWaitMs: 1000 });
    q.observe(hub(2, 1000, 20), false);
    const started = Date.now();
    await q.beforePull();
    q.observe(hub(1, 1000, 20), true);
    await q.beforePull();
    assert.ok(Date.now() - started >= 35);
  });

  it('holds pulls until a fixed window resets, then the full limit is back', async () => {
    const c = clock();
    const q = new PullQuota('r', { reserve: 0, maxWaitMs: 50, now: c.now });
    q.observe({ ratelimit: 'limit=3, remaining=0, reset=10' }, false);
    await assert.rejects(q.beforePull(), /resets|later than the 0 s wait limit|wait limit/);
    const q2 = new PullQuota('r', { reserve: 0, maxWaitMs: 50_000, now: c.now });
    q2.observe({ ratelimit: 'limit=3, remaining=0, reset=0' }, false);
    for (let i = 0; i < 3; i++) await q2.beforePull();
    const fourth = q2.beforePull();
    for (let i = 0; i < 3; i++) q2.observe({ ratelimit: 'limit=3, remaining=0, reset=100' }, true);
    await assert.rejects(fourth, QuotaError, 'the limit of 3 is spent again');
  });

  it('fails clearly when the registry never says how long the window is', async () => {
    const q = new PullQuota('r', { reserve: 1 });
    q.observe({ 'ratelimit-remaining': '1' }, false);
    await assert.rejects(q.beforePull(), /did not say when the window resets/);
  });

  it('asks the shared gate after the local check', async () => {
    let asked = 0;
    const q = new PullQuota('r', { gate: { take: async () => void (asked += 1) } });
    await q.beforePull();
    await q.beforePull();
    assert.equal(asked, 2);
  });
});
