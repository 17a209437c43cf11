import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aggregateReport, RunReport } from '../../../lib/report/index.js';
import { mixedReport, planFailure, result } from './sample-report.js';

const MiB = 1024 * 1024;
const base = { runId: 'r', version: '1.2.3', startedAt: '2025-01-01T00:00:00.000Z', finishedAt: '2025-01-01T00:01:00.250Z' };

describe('aggregateReport', () => {
  it('computes totals and bytes', () => {
    const report = mixedReport();
    assert.deepEqual(report.totals, {
      images: 7,
      succeeded: 3,
      skipped: 2,
      failed: 2,
      planFailed: 1,
      bytes: { copied: 16 * MiB, mounted: 2 * MiB, skipped: 2 * MiB },
    });
    assert.equal(report.durationMs, 12_500);
    assert.deepEqual(report.tool, { name: 'image-transfer', version: '0.1.0' });
  });

  it('puts failed results first, then orders by source', () => {
    const sources = mixedReport().results.map((r) => `${r.status} ${r.source.replace('127.0.0.1:5001/proj/', '')}`);
    assert.deepEqual(sources, [
      'failed alpha:v0',
      'failed charlie:v1',
      'succeeded alpha:v1',
      'skipped bravo:v1',
      'succeeded delta:v2',
      'skipped echo:v1',
      'succeeded foxtrot:<b>x</b>',
    ]);
  });

  it('does not reorder its input', () => {
    const results = [result('b', 'succeeded'), result('a', 'failed')];
    aggregateReport({ ...base, results, planFailures: [] });
    assert.deepEqual(
      results.map((r) => r.taskId),
      ['task-b', 'task-a'],
    );
  });

  const statuses: Array<[string, Parameters<typeof aggregateReport>[0], RunReport['status']]> = [
    ['succeeded when nothing failed', { ...base, results: [result('a', 'succeeded'), result('b', 'skipped')], planFailures: [] }, 'succeeded'],
    ['succeeded for an empty run', { ...base, results: [], planFailures: [] }, 'succeeded'],
    ['failed when an image failed', { ...base, results: [result('a', 'failed')], planFailures: [] }, 'failed'],
    ['failed when only planning failed', { ...base, results: [], planFailures: [planFailure('x/y')] }, 'failed'],
    ['interrupted wins', { ...base, results: [result('a', 'failed')], planFailures: [], interrupted: true }, 'interrupted'],
  ];
  for (const [name, input, status] of statuses) {
    it(`status: ${name}`, () => assert.equal(aggregateReport(input).status, status));
  }

  it('produces a report that passes its own schema', () => {
    const report = mixedReport();
    assert.deepEqual(RunReport.parse(JSON.parse(JSON.stringify(report))), report);
  });

  it('never reports a negative duration', () => {
    const report = aggregateReport({ ...base, finishedAt: '2024-12-31T00:00:00.000Z', results: [], planFailures: [] });
    assert.equal(report.durationMs, 0);
  });
});
