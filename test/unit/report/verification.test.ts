import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeMismatch, renderHtml, renderMarkdown, renderSummary, RunReport, TaskResult } from '../../../lib/report/index.js';
import { mixedReport, result, verifiedReport } from './sample-report.js';

const D = (c: string): string => `sha256:${c.repeat(64)}`;

describe('verification in reports', () => {
  it('counts verified and mismatched images; a mismatch is also a failure', () => {
    const t = verifiedReport().totals;
    assert.deepEqual(t.verification, { verified: 2, mismatched: 1 });
    assert.deepEqual([t.succeeded, t.skipped, t.failed], [1, 1, 2]);
  });

  it('leaves runs without --verify as they were, and old report.json files still parse', () => {
    const old = JSON.parse(JSON.stringify(mixedReport())) as RunReport;
    assert.equal('verification' in old.totals, false);
    assert.ok(old.results.every((r) => !('verification' in r)));
    assert.deepEqual(RunReport.parse(old), old);
    const current = verifiedReport();
    assert.deepEqual(RunReport.parse(JSON.parse(JSON.stringify(current))), current);
  });

  it('rejects a malformed verification at the boundary', () => {
    const bad = { ...result('a', 'succeeded'), verification: { status: 'maybe', checked: -1, mismatches: [] } };
    assert.equal(TaskResult.safeParse(bad).success, false);
    const what = {
      ...result('a', 'succeeded'),
      verification: { status: 'mismatch', checked: 1, mismatches: [{ reference: 'r', expected: 'e', what: 'layer' }] },
    };
    assert.equal(TaskResult.safeParse(what).success, false);
  });

  it('phrases each kind of difference', () => {
    assert.equal(
      describeMismatch({ reference: 'h/r:v1', expected: D('a'), actual: D('b'), what: 'tag' }),
      'h/r:v1 points to sha256:bbbbbbbbbbbb, expected sha256:aaaaaaaaaaaa',
    );
    assert.equal(describeMismatch({ reference: 'h/r:v1', expected: D('a'), what: 'tag' }), 'h/r:v1 is missing (expected sha256:aaaaaaaaaaaa)');
    assert.equal(
      describeMismatch({ reference: `h/r@${D('c')}`, expected: D('c'), what: 'manifest' }),
      `manifest h/r@${D('c')} is missing (expected sha256:cccccccccccc)`,
    );
    assert.equal(
      describeMismatch({ reference: `h/r:v1`, expected: D('c'), actual: D('e'), what: 'manifest' }),
      'manifest h/r:v1 has digest sha256:eeeeeeeeeeee',
    );
    assert.equal(describeMismatch({ reference: `h/r@${D('d')}`, expected: D('d'), what: 'blob' }), `blob h/r@${D('d')} is missing`);
  });

  it('adds a verification line to the text summary, before the final line', () => {
    const lines = renderSummary(verifiedReport());
    assert.equal(lines.at(-2), 'verified 2, mismatched 1');
    assert.match(lines.at(-1)!, /^################# Finished, 2 transfer jobs failed/);
    assert.ok(!renderSummary(mixedReport()).some((l) => l.startsWith('verified')));
  });

  it('adds counts and a mismatch table to the Markdown, escaped', () => {
    const md = renderMarkdown(verifiedReport());
    assert.match(md, /\| Verified \| 2 \|/);
    assert.match(md, /\| Verification mismatches \| 1 \|/);
    assert.match(md, /## Verification mismatches \(1\)/);
    const rows = md.split('\n').filter((l) => /^\| .* \| (blob|manifest|tag) \|/.test(l));
    assert.equal(rows.length, 2);
    assert.match(rows[0]!, /\| blob \| .* \| `sha256:d{64}` \| missing \|$/);
    assert.match(rows[1]!, /\| manifest \| .* \| `sha256:e{64}` \| `sha256:f{64}` \|$/);
    assert.ok(!md.includes('<script>'));
    assert.ok(!renderMarkdown(mixedReport()).includes('Verif'));
  });

  it('shows counts, a badge per image and the differences in the HTML, escaped', () => {
    const html = renderHtml(verifiedReport());
    const count = (name: string): string | undefined => new RegExp(`data-count="${name}">([^<]*)<`).exec(html)?.[1];
    assert.deepEqual([count('verified'), count('mismatched')], ['2', '1']);
    const rows = [...html.matchAll(/<tr data-status="(\w+)" data-index="\d+"(?: data-verification="(\w+)")?>/g)].map((m) => `${m[1]}:${m[2] ?? '-'}`);
    assert.deepEqual(rows.sort(), ['failed:-', 'failed:mismatch', 'skipped:verified', 'succeeded:verified']);
    assert.equal([...html.matchAll(/class="badge vf-verified"/g)].length, 2);
    assert.equal([...html.matchAll(/<li data-mismatch="(blob|manifest)">/g)].length, 2);
    assert.ok(html.includes('<li data-mismatch="manifest">manifest 127.0.0.1:5002/proj/&lt;script&gt;alert(1)&lt;/script&gt;@'));
    assert.equal(html.match(/<script/g)?.length, 2, 'only the data block and the page script');
    const plain = renderHtml(mixedReport());
    assert.ok(!plain.includes('data-count="verified"') && !/<tr[^>]* data-verification=/.test(plain) && !plain.includes('"vt":'));
  });
});
