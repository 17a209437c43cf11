import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aggregateReport, renderSummary } from '../../../lib/report/index.js';
import { mixedReport, result } from './sample-report.js';

describe('renderSummary', () => {
  it('lists failures, then totals, then the original final line', () => {
    assert.deepEqual(renderSummary(mixedReport()), [
      '  FAILED 127.0.0.1:5001/proj/alpha:v0 -> 127.0.0.1:5002/proj/alpha:v0: connection reset',
      '  FAILED 127.0.0.1:5001/proj/charlie:v1 -> 127.0.0.1:5002/proj/charlie:v1: manifest unknown <script>alert(1)</script> & "quotes"',
      '  PLAN FAILED 127.0.0.1:5001/proj/missing -> 127.0.0.1:5002/proj/missing: listing tags failed: 404',
      'succeeded 3, skipped 2, failed 2, plan failures 1, copied 16.0 MiB, mounted 2.0 MiB, in 12.5s',
      '################# Finished, 2 transfer jobs failed, 1 jobs generate failed #################',
    ]);
  });

  it('ends with the zero-failure line on a clean run', () => {
    const report = aggregateReport({
      runId: 'r',
      version: '1',
      startedAt: '2025-01-01T00:00:00.000Z',
      finishedAt: '2025-01-01T00:00:00.400Z',
      results: [result('a', 'succeeded'), result('b', 'skipped')],
      planFailures: [],
    });
    const lines = renderSummary(report);
    assert.equal(lines.length, 2);
    assert.equal(lines[0], 'succeeded 1, skipped 1, failed 0, plan failures 0, copied 3.0 MiB, mounted 1.0 MiB, in 0.4s');
    assert.equal(lines.at(-1), '################# Finished, 0 transfer jobs failed, 0 jobs generate failed #################');
  });

  it('keeps one line per failure and escapes terminal control sequences', () => {
    const report = aggregateReport({
      runId: 'r',
      version: '1',
      startedAt: '2025-01-01T00:00:00.000Z',
      finishedAt: '2025-01-01T00:00:01.000Z',
      results: [result('a', 'failed', { error: { code: 'X', message: 'line one\nline two\u001b[31m red\r\n' } })],
      planFailures: [],
      interrupted: true,
    });
    const lines = renderSummary(report);
    assert.equal(lines[0], '  FAILED 127.0.0.1:5001/proj/a -> 127.0.0.1:5002/proj/a: line one\\nline two\\x1b[31m red\\r\\n');
    assert.match(lines[2]!, /^interrupted: /);
    assert.equal(lines.at(-1), '################# Finished, 1 transfer jobs failed, 0 jobs generate failed #################');
  });
});
