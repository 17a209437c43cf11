import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BlobCoordinator } from '../../../lib/copy/index.js';
import { InProcessQueue } from '../../../lib/queue/index.js';
import { hintFor, type RunReport, type TaskResult } from '../../../lib/report/index.js';
import { FsObjectStore, runKeys } from '../../../lib/store/index.js';
import { RunOptions, RunStatus, recordWorker, runStatus, startRun, transferAndRecord } from '../../../lib/usecases/index.js';
import { MAX_STATUS_FAILURES } from '../../../lib/util/limits.js';
import { MemoryRegistry } from '../../support/memory-registry.js';

const rules = ['app0', 'app1', 'app2'].map((n) => `reg.example.com/team/${n}: tcr.example.com/team/${n}`).join('\n');

function failed(i: number, code: string): TaskResult {
  return {
    runId: 'r1',
    taskId: `t${i}`,
    source: `reg.example.com/team/app${i}:v1`,
    target: `tcr.example.com/team/app${i}:v1`,
    rule: { source: `reg.example.com/team/app${i}:v1`, target: `tcr.example.com/team/app${i}:v1` },
    status: 'failed',
    bytes: { copied: 0, mounted: 0, skipped: 0 },
    blobs: { copied: 0, mounted: 0, skipped: 0 },
    startedAt: new Date().toISOString(),
    durationMs: 1,
    attempts: 1,
    error: {
      code,
      message: `failure ${i}`,
      ...(code === 'SOURCE_NOT_FOUND' ? { hint: hintFor('NOT_FOUND_AT_SOURCE', 'reg.example.com') } : {}),
    },
  };
}

describe('runStatus', () => {
  it('counts failed attempts while running (a marker per failed task, written by transferAndRecord), and reads runs without markers', async () => {
    const store = new FsObjectStore(mkdtempSync(join(tmpdir(), 'unit-run-status-')));
    const queue = new InProcessQueue();
    const { runId } = await startRun(
      { store, sink: queue, listTags: async () => ['v1'], continueLater: async () => undefined },
      rules,
      'request.rules',
      RunOptions.parse({}),
      { deadline: Date.now() + 60_000 },
    );
    assert.deepEqual(await runStatus(store, runId), { runId, state: 'running', tasks: 3, done: 0, failed: 0 });
    const source = new MemoryRegistry('reg.example.com');
    const deps = { store, repository: (_r: string, repo: string) => source.repo(repo), coordinator: new BlobCoordinator(), blobConcurrency: 1 };
    const [first] = await queue.receive(1);
    const result = await transferAndRecord(deps, first!.task);
    assert.equal(result.status, 'failed', 'the source registry holds nothing');
    assert.deepEqual(await runStatus(store, runId), { runId, state: 'running', tasks: 3, done: 1, failed: 1 });
    // what a client parses, and an older planner's answer without `failed`
    assert.deepEqual(RunStatus.parse({ runId, state: 'running', tasks: 3, done: 1 }), { runId, state: 'running', tasks: 3, done: 1, failed: 0 });
  });

  it('once reported: the failures by code with their hint, the first MAX_STATUS_FAILURES by name, the rest counted, and where the report is', async () => {
    const store = new FsObjectStore(mkdtempSync(join(tmpdir(), 'unit-run-status-')));
    const results = Array.from({ length: MAX_STATUS_FAILURES + 5 }, (_, i) => failed(i, i < 3 ? 'UNAUTHORIZED' : 'SOURCE_NOT_FOUND'));
    const report: RunReport = {
      runId: 'r1',
      tool: { name: 'image-transfer', version: '1' },
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      durationMs: 1500,
      status: 'failed',
      totals: { images: results.length, succeeded: 0, skipped: 0, failed: results.length, planFailed: 0, bytes: { copied: 0, mounted: 0, skipped: 0 } },
      results,
      planFailures: [],
    };
    await store.put(runKeys.report('r1'), JSON.stringify(report), 'application/json');
    const status = RunStatus.parse(JSON.parse(JSON.stringify(await runStatus(store, 'r1', { location: (k) => `cos://b-1/${k}` }))));
    assert.ok(status.state === 'reported');
    assert.equal(status.location, 'cos://b-1/runs/r1/report.html');
    assert.deepEqual(
      status.byCode.map((c) => [c.code, c.count, c.hint?.kind]),
      [
        ['SOURCE_NOT_FOUND', MAX_STATUS_FAILURES + 2, 'NOT_FOUND_AT_SOURCE'],
        ['UNAUTHORIZED', 3, undefined],
      ],
    );
    assert.equal(status.failures.length, MAX_STATUS_FAILURES);
    assert.equal(status.omitted, 5);
    assert.equal(status.failures[3]!.error.hint?.kind, 'NOT_FOUND_AT_SOURCE');
  });
});

describe('runStatus and the queue workers (issue 15: receive failures reach the run status)', () => {
  it('shows the live workers and the ones that gave up receiving while the run is running; nothing when there are none', async () => {
    const store = new FsObjectStore(mkdtempSync(join(tmpdir(), 'unit-run-status-workers-')));
    const { runId } = await startRun(
      { store, sink: new InProcessQueue(), listTags: async () => ['v1'], continueLater: async () => undefined },
      rules,
      'request.rules',
      RunOptions.parse({}),
      { deadline: Date.now() + 60_000 },
    );
    assert.equal((await runStatus(store, runId)).state, 'running');
    assert.equal('workers' in (await runStatus(store, runId)), false);
    const at = new Date().toISOString();
    await recordWorker(store, { slot: 0, state: 'running', until: Date.now() + 60_000, at, generation: 1 });
    await recordWorker(store, {
      slot: 1,
      state: 'failed',
      until: 0,
      at,
      generation: 0,
      receiveFailures: 3,
      error: { code: 'QUEUE_RECEIVE_FAILED', message: 'receive refused' },
    });
    const status = RunStatus.parse(await runStatus(store, runId));
    assert.deepEqual(status.state === 'running' && status.workers, {
      live: 1,
      failed: [{ slot: 1, at, code: 'QUEUE_RECEIVE_FAILED', message: 'receive refused' }],
    });
  });
});
