import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failedRulePairs } from '../../../lib/report/index.js';
import { mixedReport, reportWith, planFailure, result } from './sample-report.js';

describe('failedRulePairs', () => {
  it('returns the rule of each failed image, then each plan failure', () => {
    assert.deepEqual(failedRulePairs(mixedReport()), [
      { source: '127.0.0.1:5001/proj/alpha:v0', target: '127.0.0.1:5002/proj/alpha:v0' },
      { source: '127.0.0.1:5001/proj/charlie:v1', target: '127.0.0.1:5002/proj/charlie:v1' },
      { source: '127.0.0.1:5001/proj/missing', target: '127.0.0.1:5002/proj/missing' },
    ]);
  });

  it('de-duplicates identical pairs and ignores succeeded and skipped images', () => {
    const rule = { source: 'a.io/x:1', target: 'b.io/x:1' };
    const report = reportWith(
      [result('one', 'failed', { rule }), result('two', 'failed', { rule: { ...rule } }), result('three', 'succeeded'), result('four', 'skipped')],
      [{ rule: { ...rule }, error: { code: 'E', message: 'm' } }, planFailure('c.io/y'), planFailure('c.io/y')],
    );
    assert.deepEqual(failedRulePairs(report), [rule, { source: 'c.io/y', target: 'c.io/y' }]);
  });

  it('is empty when nothing failed', () => {
    const report = reportWith([result('a', 'succeeded')]);
    assert.deepEqual(failedRulePairs(report), []);
  });
});
