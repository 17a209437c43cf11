import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { sleep } from '../../../lib/util/sleep.js';

describe('sleep', { timeout: 5_000 }, () => {
  it('rejects at once with the reason of a signal that is already aborted', async () => {
    const reason = new Error('cancelled before');
    await assert.rejects(sleep(60_000, AbortSignal.abort(reason)), (err) => err === reason);
  });

  it('rejects with the reason when the signal aborts during the wait', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled during');
    const waiting = sleep(60_000, controller.signal);
    controller.abort(reason);
    await assert.rejects(waiting, (err) => err === reason);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  // invariant: a run's signal is shared by every wait of the run: a finished wait leaves no listener on it
  it('leaves no listener on the signal once it has resolved', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 3; i++) await sleep(1, controller.signal);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });
});
