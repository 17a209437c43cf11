import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatEndpoint } from '../../../lib/planner/index.js';
import { InProcessQueue } from '../../../lib/queue/index.js';
import { RunReport, type TaskResult } from '../../../lib/report/index.js';
import { FsObjectStore, runKeys } from '../../../lib/store/index.js';
import { aggregateRun, PlanManifest, RunOptions, startRun, type StartRunDeps } from '../../../lib/usecases/index.js';

const rules = ['app0', 'app1', 'app2'].map((n) => `reg.example.com/team/${n}: tcr.example.com/team/${n}`).join('\n');

describe('aggregateRun', () => {
  // invariant: a task that never reported before the run expired is a failure (EXPIRED), never a success
  it('counts a task without a result as failed with EXPIRED once the run has expired, and lists it in failed.yaml', async () => {
    const store = new FsObjectStore(mkdtempSync(join(tmpdir(), 'unit-aggregate-')));
    const queue = new InProcessQueue();
    const deps: StartRunDeps = { store, sink: queue, listTags: async () => ['v1'], continueLater: async () => undefined };
    const { runId, tasks } = await startRun(deps, rules, 'request.rules', RunOptions.parse({}), { deadline: Date.now() + 60_000 });
    assert.equal(tasks, 3);
    const planned = (await queue.receive(10)).map((r) => r.task).sort((a, b) => a.taskId.localeCompare(b.taskId));
    const [missing, ...reported] = planned;
    for (const t of reported) {
      const result: TaskResult = {
        runId,
        taskId: t.taskId,
        source: formatEndpoint(t.source),
        target: formatEndpoint(t.target),
        rule: t.rule,
        status: 'succeeded',
        bytes: { copied: 10, mounted: 0, skipped: 0 },
        blobs: { copied: 1, mounted: 0, skipped: 0 },
        startedAt: new Date().toISOString(),
        durationMs: 5,
        attempts: 1,
      };
      await store.put(runKeys.result(runId, t.taskId), JSON.stringify(result), 'application/json');
    }
    const plan = PlanManifest.parse(JSON.parse((await store.get(runKeys.plan(runId)))!));
    const expiresAt = Date.parse(plan.expiresAt);

    // the clock is injected: at the expiry instant the run is still waiting for its last result
    assert.deepEqual(await aggregateRun(store, runId, '1', new Date(expiresAt)), { state: 'running', runId, done: 2, tasks: 3 });
    assert.equal(await store.get(runKeys.report(runId)), undefined);

    const outcome = await aggregateRun(store, runId, '1', new Date(expiresAt + 1));
    assert.equal(outcome.state, 'reported');
    assert.ok(outcome.state === 'reported');
    assert.equal(outcome.succeeded, 2);
    assert.equal(outcome.failed, 1, 'the task without a result is a failure');
    const report = RunReport.parse(JSON.parse((await store.get(runKeys.report(runId)))!));
    assert.equal(report.status, 'failed');
    assert.equal(report.totals.failed, 1);
    const expired = report.results.find((r) => r.taskId === missing!.taskId)!;
    assert.equal(expired.status, 'failed');
    assert.equal(expired.error?.code, 'EXPIRED');
    assert.match(expired.error!.message, new RegExp(`no result before the run expired at ${plan.expiresAt.replace(/\./g, '\\.')}`));
    const failedYaml = await store.get(`${runKeys.prefix(runId)}/failed.yaml`);
    assert.ok(failedYaml, 'failed.yaml is written');
    assert.ok(failedYaml.includes(missing!.rule.source) && failedYaml.includes(missing!.rule.target), failedYaml);
    for (const t of reported) assert.ok(!failedYaml.includes(t.rule.source), `${t.rule.source} succeeded and is not re-run`);
  });
});
