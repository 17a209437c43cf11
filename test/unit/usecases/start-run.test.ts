import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InProcessQueue } from '../../../lib/queue/index.js';
import { FsObjectStore } from '../../../lib/store/index.js';
import { aggregateRun, continueRun, PlanCursor, startRun, type StartRunDeps } from '../../../lib/usecases/index.js';
import { RunOptions } from '../../../lib/usecases/index.js';

const rules = Array.from({ length: 60 }, (_, i) => `reg.example.com/team/app${i}: tcr.example.com/team/app${i}`).join('\n');

describe('serverless planning in slices', () => {
  it('hands the rest of a plan to a continuation when the deadline passes, and the continuation finishes it', async () => {
    const store = new FsObjectStore(mkdtempSync(join(tmpdir(), 'unit-plan-')));
    const queue = new InProcessQueue();
    const cursors: string[] = [];
    let deadline = Date.now() + 60_000;
    let listed = 0;
    const deps: StartRunDeps = {
      store,
      sink: queue,
      listTags: async () => {
        listed += 1;
        if (listed === 25) deadline = 0; // the first slice uses up the invocation
        return ['v1', 'v2'];
      },
      continueLater: async (key) => void cursors.push(key),
    };
    const first = await startRun(deps, rules, 'request.rules', RunOptions.parse({}), {
      get deadline() {
        return deadline;
      },
    } as { deadline: number });
    assert.equal(first.state, 'continuing');
    assert.equal(cursors.length, 1);
    const stored = PlanCursor.parse(JSON.parse((await store.get(cursors[0]!))!));
    assert.equal(cursors[0], `runs/${first.runId}/plan-cursor.json`);
    assert.equal(stored.nextRule, 25);
    assert.equal(await store.get(stored.rulesKey), rules, 'the rule text is kept in the store, not in the event');
    assert.equal(queue.size, 50);
    assert.equal((await aggregateRun(store, first.runId, '1')).state, 'planning', 'no report before the plan is complete');

    const second = await continueRun(deps, cursors[0]!, { deadline: Date.now() + 60_000 });
    assert.equal(second.state, 'planned');
    assert.equal(second.tasks, 120);
    assert.equal(queue.size, 120);
    assert.deepEqual(await aggregateRun(store, first.runId, '1'), { state: 'running', runId: first.runId, done: 0, tasks: 120 });
  });

  it('a plan whose continuation cannot be started ends with the rules left as plan failures, and the run is reported', async () => {
    const store = new FsObjectStore(mkdtempSync(join(tmpdir(), 'unit-plan-')));
    const deps: StartRunDeps = {
      store,
      sink: new InProcessQueue(),
      listTags: async () => ['v1'],
      continueLater: async () => {
        throw new Error('Invoke failed after 7 attempts: RequestLimitExceeded');
      },
    };
    // out of time from the start: an invocation still plans one slice, then hands on
    const started = await startRun(deps, rules, 'request.rules', RunOptions.parse({}), { deadline: 0 });
    assert.equal(started.state, 'planned');
    assert.equal(started.tasks, 25);
    assert.equal(started.planFailures, 35);
    const outcome = await aggregateRun(store, started.runId, '1', new Date(Date.now() + 25 * 3600_000));
    assert.equal(outcome.state, 'reported');
    const report = JSON.parse((await store.get(`runs/${started.runId}/report.json`))!);
    assert.match(report.planFailures[0].error.message, /not planned: the planner could not hand on .*RequestLimitExceeded/);
  });

  it("plans version-2 rule text and stamps the run's verify mode on every task for the stateless workers", async () => {
    const store = new FsObjectStore(mkdtempSync(join(tmpdir(), 'unit-plan-')));
    const queue = new InProcessQueue();
    const text =
      'version: 2\nrules:\n  - source: reg.example.com/team/app\n    target: tcr.example.com/m/{{name}}\n    tags: {semver: "^1"}\n    platforms: [linux/amd64]\n';
    const deps: StartRunDeps = { store, sink: queue, listTags: async () => ['v1.0.0', 'v1.1.0', 'v2.0.0'], continueLater: async () => undefined };
    const done = await startRun(deps, text, 'request.rules', RunOptions.parse({ verify: 'deep' }), { deadline: Date.now() + 60_000 });
    assert.equal(done.tasks, 2);
    const tasks = (await queue.receive(10)).map((r) => r.task);
    assert.deepEqual(tasks.map((t) => `${t.target.repository}:${t.target.reference}`).sort(), ['m/app:v1.0.0', 'm/app:v1.1.0']);
    assert.ok(tasks.every((t) => t.verify === 'deep' && t.platforms?.[0] === 'linux/amd64'));
  });
});
