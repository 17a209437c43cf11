import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { guardBodyRate } from '../../../lib/http/body-rate.js';

/** Lets queued stream events run (setImmediate is not mocked). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Advances the mocked clock 1 ms at a time (one tick() over several periods of an interval may run it only once on Node 20). */
const advance = (ms: number): void => {
  for (let i = 0; i < ms; i += 1) mock.timers.tick(1);
};

/** A body whose reader is waiting (flowing, nothing buffered), guarded at `minBytes` per `windowMs`. */
function guarded(windowMs: number, minBytes: number, options: { flowing?: boolean; autoDestroy?: boolean; emitClose?: boolean } = {}) {
  const body = new Readable({ read() {}, autoDestroy: options.autoDestroy ?? true, emitClose: options.emitClose ?? true });
  body.on('error', () => {});
  if (options.flowing ?? true) body.resume();
  let made = 0;
  const stalled = new Error('too slow');
  guardBodyRate(body, { windowMs, minBytes }, () => {
    made += 1;
    return stalled;
  });
  return { body, stalled, made: () => made };
}

describe('guardBodyRate', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setInterval'] }));
  // the bodies' close events run before the clock is reset: a stale clearInterval could hit the next test's timer
  afterEach(async () => {
    await settle();
    mock.timers.reset();
  });

  it('destroys a silent body with the stalled() error once its reader has waited a whole window', async () => {
    const { body, stalled } = guarded(1000, 100);
    advance(900);
    assert.equal(body.destroyed, false);
    advance(100);
    assert.equal(body.errored, stalled);
  });

  it('a body bringing minBytes every tick is never stalled (bytes counted as chunks are pushed)', async () => {
    const { body } = guarded(1000, 100);
    for (let t = 0; t < 30; t += 1) {
      body.push(Buffer.alloc(100));
      await settle();
      advance(100);
    }
    assert.equal(body.destroyed, false);
    body.destroy();
  });

  it('a body trickling less than minBytes per window is stalled although it is not silent', async () => {
    const { body, stalled } = guarded(1000, 100);
    for (let t = 0; t < 9; t += 1) {
      body.push(Buffer.alloc(5));
      await settle();
      advance(100);
    }
    assert.equal(body.destroyed, false);
    advance(100);
    assert.equal(body.errored, stalled);
  });

  // minBytes seen at a tick start a new window: the body stalls a whole window after that tick
  for (const [pushAt, stallAt, why] of [
    [0, 1100, 'exactly minBytes resets the window'],
    [950, 2000, 'bytes arriving after 950 silent ms reset the wait'],
  ] as const) {
    it(`${why}: 100 bytes at ${pushAt} ms, stalled at ${stallAt} ms`, async () => {
      const { body, stalled } = guarded(1000, 100);
      advance(pushAt);
      body.push(Buffer.alloc(100));
      await settle();
      advance(stallAt - pushAt - 1);
      assert.equal(body.destroyed, false);
      advance(1);
      assert.equal(body.errored, stalled);
    });
  }

  it('a body whose consumer is not reading (data buffered) is not counted as stalled', async () => {
    const { body, made } = guarded(1000, 100, { flowing: false });
    body.push(Buffer.from('x'));
    advance(10_000);
    assert.equal(body.destroyed, false);
    assert.equal(made(), 0);
    assert.equal(body.readableLength, 1);
    body.destroy();
  });

  // the tick is windowMs / 10 clamped to [10, 1000] ms, so a window ends on the first tick at or past it
  for (const [windowMs, stallAt, why] of [
    [250, 250, 'ticks every windowMs / 10'],
    [25, 30, 'the tick is at least 10 ms (not 26 ms)'],
    [15_500, 16_000, 'the tick is at most 1000 ms (not 15.5 s)'],
  ] as const) {
    it(`${why}: a ${windowMs} ms window stalls at ${stallAt} ms`, async () => {
      const { body } = guarded(windowMs, 100);
      advance(stallAt - 1);
      assert.equal(body.destroyed, false);
      advance(1);
      assert.ok(body.destroyed);
    });
  }

  it('stops at the end of the body (no stalled() afterwards, even without autoDestroy)', async () => {
    const { body, made } = guarded(1000, 100, { autoDestroy: false });
    body.push(null);
    await settle();
    assert.ok(body.readableEnded);
    advance(10_000);
    assert.equal(made(), 0);
  });

  it('stops when the body is closed', async () => {
    const { body, made } = guarded(1000, 100, { flowing: false });
    body.destroy();
    await settle();
    advance(10_000);
    assert.equal(made(), 0);
  });

  it('stops when the body fails (no stalled() afterwards, even without a close event)', async () => {
    const { body, made } = guarded(1000, 100, { emitClose: false });
    body.destroy(new Error('reset'));
    await settle();
    advance(10_000);
    assert.equal(made(), 0);
  });

  it('the guard never keeps the process alive (its timer is unref’d)', async () => {
    mock.timers.reset(); // real timers: only a ref’d one shows up in the active resources
    const refd = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = refd();
    const body = new Readable({ read() {} });
    guardBodyRate(body, { windowMs: 60_000, minBytes: 1 }, () => new Error('too slow'));
    assert.equal(refd(), before);
    body.destroy();
  });
});
