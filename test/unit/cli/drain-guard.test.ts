import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

// Invariant: a run whose work cannot settle never ends with exit status 0 (Node's default when the
// event loop drains with a promise pending).
const SCRIPT = join(import.meta.dirname, '..', '..', 'fixtures', 'processes', 'drain-guard-run.ts');
const run = (mode: string) => spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, mode], { encoding: 'utf8', timeout: 60_000 });

describe('drain guard', () => {
  it('leaves a run that settles alone: exit 0, no message', () => {
    const r = run('settles');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'report written\n');
  });

  it('cancels a run that stops making progress, so it writes its report and exits 1', () => {
    const r = run('settles-when-cancelled');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /internal error: the run stopped making progress with work unfinished; cancelling it and writing the report/);
    assert.equal(r.stdout, 'report written\n');
  });

  it('exits 1 with a message when even the cancellation cannot settle the run', () => {
    const r = run('never');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /the run ended with work unfinished and no report/);
    assert.equal(r.stdout, '');
  });
});
