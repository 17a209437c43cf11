import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransferTask, formatEndpoint } from '../../../lib/planner/index.js';

const task = {
  runId: 'r1',
  taskId: '0123456789abcdef',
  source: { registry: 'src.example.com', repository: 'team/app', reference: 'v1' },
  target: { registry: 'dst.example.com', repository: 'mirror/app', reference: 'v1' },
  overwrite: 'if-changed',
  rule: { source: 'src.example.com/team/app:v1', target: 'dst.example.com/mirror/app:v1' },
};
const ok = (patch: object) => TransferTask.safeParse({ ...task, ...patch }).success;

// a task is a queue message: a boundary, checked field by field before a worker acts on it
describe('TransferTask (the queue message)', () => {
  it('accepts a task with every optional field', () => {
    assert.ok(
      ok({
        platforms: ['linux/amd64', 'linux/arm64/v8'],
        backupTag: 'b'.repeat(128),
        referrers: { artifactTypes: ['a'] },
        verify: 'deep',
        targetLogin: { kind: 'tcr-instance', registryId: 'tcr-1', region: 'ap-guangzhou' },
      }),
    );
  });

  it('refuses a task id that is not exactly 16 lowercase hex digits', () => {
    for (const taskId of ['0123456789abcde', 'x0123456789abcdef', '0123456789abcdefx', '0123456789ABCDEF']) assert.equal(ok({ taskId }), false, taskId);
  });

  it('refuses malformed platforms, an empty platform list, a backup tag over 128 characters and empty artifact types', () => {
    for (const platforms of [[], ['linux'], ['x linux/amd64'], ['linux/amd64 x'], ['linux/arm64/v8/x'], ['linux/arm64/']])
      assert.equal(ok({ platforms }), false, JSON.stringify(platforms));
    assert.equal(ok({ backupTag: 'b'.repeat(129) }), false);
    assert.equal(ok({ backupTag: '' }), false);
    assert.equal(ok({ referrers: { artifactTypes: [''] } }), false);
  });

  it('refuses an incomplete or unknown target login', () => {
    assert.equal(ok({ targetLogin: { kind: 'tcr-instance', registryId: '', region: 'ap-guangzhou' } }), false);
    assert.equal(ok({ targetLogin: { kind: 'tcr-instance', registryId: 'tcr-1', region: '' } }), false);
    assert.equal(ok({ targetLogin: { kind: 'basic', registryId: 'tcr-1', region: 'ap-guangzhou' } }), false);
    assert.equal(ok({ targetLogin: {} }), false);
  });

  it('formats a tag reference with ":" and a digest reference with "@"', () => {
    assert.equal(formatEndpoint(task.source), 'src.example.com/team/app:v1');
    assert.equal(formatEndpoint({ ...task.source, reference: `sha256:${'a'.repeat(64)}` }), `src.example.com/team/app@sha256:${'a'.repeat(64)}`);
  });
});
