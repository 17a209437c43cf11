import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureBuilt, runCli } from '../support/cli.js';

// Finding 7 of the hostile-input review: `report` names a damaged report file and refuses a run id
// that would leave the report directory, both as bad input (exit 2), without a stack trace.

describe('image-transfer report: bad run ids and damaged reports', () => {
  let dir: string;
  before(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'it-report-cmd-'));
    mkdirSync(join(dir, 'run-1'));
    writeFileSync(join(dir, 'run-1', 'report.json'), '{"runId": "run-1", "tot');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const id of ['..', '.', '../x', '.hidden']) {
    it(`refuses the run id ${JSON.stringify(id)} with exit 2`, async () => {
      const run = await runCli(['report', id, `--report-dir=${dir}`]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /is not a run id/);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('names a report.json that is not JSON, with exit 2', async () => {
    const run = await runCli(['report', 'run-1', `--report-dir=${dir}`]);
    assert.equal(run.code, 2, run.stderr);
    assert.ok(run.stderr.includes(`${dir}/run-1/report.json is not valid JSON`), run.stderr);
  });
});
