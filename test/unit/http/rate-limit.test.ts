import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { RateLimiter } from '../../../lib/http/rate-limit.js';

/** Lets the limiter's promise chain run (setImmediate is not mocked). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Starts `n` takes; returns how many have resolved so far, after the chain has run. */
function start(limiter: RateLimiter, n: number): () => number {
  let done = 0;
  for (let i = 0; i < n; i += 1) void limiter.take().then(() => (done += 1));
  return () => done;
}
async function after(ms: number): Promise<void> {
  mock.timers.tick(ms);
  await settle();
}

describe('RateLimiter', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('never waits when qps is 0, negative, NaN or infinite', async () => {
    for (const qps of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const done = start(new RateLimiter(qps), 50);
      await settle();
      assert.equal(done(), 50, `qps ${qps}`);
    }
  });

  // burst = max(1, ceil(qps)) go at once; the next waits 1 / qps seconds, rounded up to the ms
  for (const [qps, burst, waitMs, why] of [
    [2.5, 3, 400, 'bursts ceil(qps) at once'],
    [0.5, 1, 2000, 'a burst is at least 1'],
    [3, 3, 334, 'never waits less than the rate allows (333.3 rounded up)'],
  ] as const) {
    it(`${why}: at ${qps} qps ${burst} go at once, the next waits ${waitMs} ms`, async () => {
      const done = start(new RateLimiter(qps), burst + 1);
      await settle();
      assert.equal(done(), burst);
      await after(waitMs - 1);
      assert.equal(done(), burst);
      await after(1);
      assert.equal(done(), burst + 1);
    });
  }

  it('refills at qps tokens per second, never above the burst', async () => {
    const limiter = new RateLimiter(2);
    const first = start(limiter, 2);
    await settle();
    assert.equal(first(), 2);
    await after(500); // one token back
    const second = start(limiter, 1);
    await settle();
    assert.equal(second(), 1);
    await after(10_000); // the bucket holds 2, not 20
    const third = start(limiter, 3);
    await settle();
    assert.equal(third(), 2);
  });

  it('a take short of a token waits (1 - tokens) / qps: half a token at 2 qps waits 250 ms', async () => {
    const limiter = new RateLimiter(2);
    const first = start(limiter, 2);
    await settle();
    assert.equal(first(), 2);
    await after(250); // half a token back
    const next = start(limiter, 1);
    await settle();
    assert.equal(next(), 0);
    await after(249);
    assert.equal(next(), 0);
    await after(1);
    assert.equal(next(), 1);
  });

  it('queued takes go one token apart, in order', async () => {
    const limiter = new RateLimiter(1);
    const order: number[] = [];
    for (let i = 0; i < 3; i += 1) void limiter.take().then(() => order.push(i));
    await settle();
    assert.deepEqual(order, [0]);
    await after(1000);
    assert.deepEqual(order, [0, 1]);
    await after(1000);
    assert.deepEqual(order, [0, 1, 2]);
  });

  it('an aborted take rejects with the reason and does not block the queue', async () => {
    const limiter = new RateLimiter(1);
    await limiter.take();
    const controller = new AbortController();
    const aborted = limiter.take(controller.signal);
    const reason = new Error('cancelled');
    controller.abort(reason);
    await assert.rejects(aborted, (err) => err === reason);
    const done = start(limiter, 1);
    await after(1000);
    assert.equal(done(), 1);
  });
});
