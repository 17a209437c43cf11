import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shared, stoppable } from '../../../lib/util/signals.js';

describe('signals shared by many requests', () => {
  it('take as many abort listeners as requests in flight without Node printing a leak warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const root = shared(new AbortController().signal);
      const { signal } = stoppable(root);
      for (let i = 0; i < 30; i++) {
        root.addEventListener('abort', () => {});
        signal.addEventListener('abort', () => {});
      }
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(
        warnings.map((w) => w.name),
        [],
      );
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('stoppable aborts with its parent and on its own, leaving the parent alone', () => {
    const parent = new AbortController();
    const a = stoppable(parent.signal);
    a.stop.abort(new Error('one blob failed'));
    assert.equal(a.signal.aborted, true);
    assert.equal(parent.signal.aborted, false);
    const b = stoppable(parent.signal);
    parent.abort(new Error('interrupted'));
    assert.equal(b.signal.aborted, true);
  });
});
