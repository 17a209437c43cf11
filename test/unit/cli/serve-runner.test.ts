import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ServeMetrics } from '../../../lib/cli/serve/metrics.js';
import { Runner } from '../../../lib/cli/serve/runner.js';
import { RegistryPool } from '../../../lib/registry/index.js';
import { RunReport } from '../../../lib/report/index.js';
import { FsObjectStore } from '../../../lib/store/index.js';
import { RunOptions, startRun } from '../../../lib/usecases/index.js';
import { createLogger } from '../../../lib/util/logger.js';
import { until } from '../../support/until.js';

/** A data directory whose disk refuses the tasks' results (and only them). */
class ResultsRefused extends FsObjectStore {
  override async put(key: string, body: string | Uint8Array, contentType: string): Promise<void> {
    if (key.includes('/results/')) throw new Error('ENOSPC: no space left on device, write');
    return super.put(key, body, contentType);
  }
}

describe('serve runner', { timeout: 60_000 }, () => {
  // invariant: a task whose result cannot be written still ends its run: the run is reported, the task failed
  it('reports a run whose results could not be recorded, those tasks failed with NOT_RECORDED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unit-serve-runner-'));
    const lines: string[] = [];
    // nothing listens on port 1: each transfer fails at once, and its result is then refused by the disk
    const pool = new RegistryPool(() => ({ insecure: true }), { retry: { retries: 0 } });
    const runner = new Runner({
      store: new ResultsRefused(dir),
      pool,
      workers: 2,
      version: 'test',
      logger: createLogger({ level: 'info', write: (l) => lines.push(l) }),
      metrics: new ServeMetrics(),
    });
    runner.start();
    try {
      const rules = ['a', 'b'].map((n) => `127.0.0.1:1/team/${n}:v1: 127.0.0.1:1/mirror/${n}:v1`).join('\n');
      const { runId, tasks } = await startRun(runner.runDeps('api'), rules, 'request.rules', RunOptions.parse({}), runner.budget());
      assert.equal(tasks, 2);
      const reportFile = join(dir, 'runs', runId, 'report.json');
      await until('the report', () => existsSync(reportFile));
      const report = RunReport.parse(JSON.parse(readFileSync(reportFile, 'utf8')));
      assert.equal(report.totals.failed, 2);
      assert.deepEqual(
        report.results.map((r) => r.error?.code),
        ['NOT_RECORDED', 'NOT_RECORDED'],
      );
      assert.match(readFileSync(join(dir, 'runs', runId, 'failed.yaml'), 'utf8'), /team\/a/);
      assert.ok(lines.some((l) => /could not be recorded: ENOSPC/.test(l)));
    } finally {
      await runner.stop(1_000);
      await pool.close();
    }
  });
});
