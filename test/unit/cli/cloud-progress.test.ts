import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plainView, RunProgressLine } from '../../../lib/cli/cloud-progress.js';

describe('cloud watch progress', () => {
  it('measures the rate from the first status seen, and the ETA from it', () => {
    let now = 1_000_000;
    const line = new RunProgressLine(() => now);
    assert.equal(line.line({ runId: 'r', state: 'running', tasks: 100, done: 10, failed: 0 }), 'run r: running, images 10/100 done, 0 failed, 0.0/s, ETA ?');
    now += 10_000;
    assert.equal(
      line.line({ runId: 'r', state: 'running', tasks: 100, done: 30, failed: 2 }),
      'run r: running, images 30/100 done, 2 failed, 2.0/s, ETA 35.0s',
    );
    assert.equal(line.line({ runId: 'r', state: 'planning' }), 'run r: planning');
  });

  it('plain lines: one per change of state or count, not per poll', () => {
    const lines: string[] = [];
    const view = plainView((l) => lines.push(l));
    for (const done of [0, 0, 1, 1, 2]) view.show({ runId: 'r', state: 'running', tasks: 2, done, failed: 0 });
    assert.deepEqual(
      lines.map((l) => l.replace(/, [\d.]+\/s, ETA .*$/, '')),
      ['run r: running, images 0/2 done, 0 failed', 'run r: running, images 1/2 done, 0 failed', 'run r: running, images 2/2 done, 0 failed'],
    );
  });
});

describe('cloud watch progress with queue workers', () => {
  it('says when queue workers gave up receiving (their code and message, control characters escaped)', () => {
    const line = new RunProgressLine(() => 0).line({
      runId: 'r',
      state: 'running',
      tasks: 4,
      done: 1,
      failed: 0,
      workers: { live: 0, failed: [{ slot: 2, at: '2026-12-01T00:00:00.000Z', code: 'QUEUE_RECEIVE_FAILED', message: 'receive refused\u001b[2J' }] },
    });
    assert.match(line, /images 1\/4 done, 0 failed \[0 queue worker\(s\) live, 1 gave up receiving: QUEUE_RECEIVE_FAILED receive refused\\x1b\[2J\], /);
  });
});
