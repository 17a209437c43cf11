import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mdCell, renderMarkdown } from '../../../lib/report/index.js';
import { mixedReport, reportWith, result } from './sample-report.js';

describe('renderMarkdown', () => {
  it('has a summary table and a failures table', () => {
    const md = renderMarkdown(mixedReport());
    assert.match(md, /^# image-transfer run 20250102-030405-abcd\n/);
    assert.match(md, /\| Succeeded \| 3 \|/);
    assert.match(md, /\| Skipped \| 2 \|/);
    assert.match(md, /\| Failed \| 2 \|/);
    assert.match(md, /\| Plan failures \| 1 \|/);
    assert.match(md, /\| Bytes copied \| 16\.0 MiB \|/);
    assert.match(md, /## Failed images \(2\)/);
    assert.match(md, /## Rules that could not be planned \(1\)/);
    const failureRows = md.split('\n').filter((l) => l.startsWith('| 127.0.0.1:5001'));
    assert.equal(failureRows.length, 3);
    assert.match(failureRows[1]!, /\| `REGISTRY_ERROR` manifest unknown /);
    assert.match(failureRows[1]!, /\| source \/ fetch-manifest \| 3 \|$/);
  });

  it('escapes untrusted text: no raw HTML, no broken table', () => {
    const md = renderMarkdown(mixedReport());
    assert.ok(!md.includes('<script>'));
    assert.ok(md.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.equal(mdCell('a|b\nc'), 'a\\|b\\\\nc');
    assert.equal(mdCell('x\r\u001b[2J\u009b1m'), 'x\\\\r\\\\x1b\\[2J\\\\u009b1m');
    assert.equal(mdCell('*bold* [link](x) `code`'), '\\*bold\\* \\[link\\](x) \\`code\\`');
    for (const line of md.split('\n').filter((l) => l.startsWith('| 127.'))) {
      const cells = line.replace(/\\\|/g, '').split('|').length - 2;
      assert.equal(cells, line.includes('/missing') ? 3 : 5, line);
    }
  });

  it('says so when nothing failed', () => {
    const report = reportWith([result('a', 'succeeded')]);
    const md = renderMarkdown(report);
    assert.ok(md.includes('No failures.'));
    assert.ok(!md.includes('## Failed'));
  });
});
