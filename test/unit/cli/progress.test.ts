import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TtyProgress } from '../../../lib/cli/progress.js';
import type { TransferTask } from '../../../lib/planner/index.js';

const task = { taskId: 't1' } as TransferTask;

describe('TtyProgress', () => {
  it('draws labels and log lines from a registry with their control characters escaped', () => {
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => written.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      const progress = new TtyProgress(1);
      progress.start(task, 'reg/app:v1\nFORGED\u001b[2J\u009b31m -> dst/app:v1');
      progress.log('a line\r\u001b[2Jwith\u0007bell');
      progress.stop();
    } finally {
      process.stderr.write = original;
    }
    const out = written.join('');
    assert.ok(out.includes('reg/app:v1\\nFORGED\\x1b[2J\\u009b31m -> dst/app:v1'), out);
    assert.ok(out.includes('a line\\r\\x1b[2Jwith\\x07bell'), out);
    assert.ok(!out.includes('\u001b[2J') && !out.includes('\u009b') && !out.includes('\u0007') && !out.includes('\r'), JSON.stringify(out));
  });
});
