import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { aggregateReport, escapeHtml, jsonForScript, renderHtml } from '../../../lib/report/index.js';
import type { RowView } from '../../../lib/report/html-rows.js';
import { mixedReport, reportWith, result, XSS } from './sample-report.js';

function rowData(html: string): RowView[] {
  const match = /<script type="application\/json" id="report-rows">([^<]*)<\/script>/.exec(html);
  assert.ok(match, 'report-rows block present');
  return JSON.parse(match[1]!);
}

describe('escapeHtml / jsonForScript', () => {
  it('escapes the five HTML metacharacters', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('leaves no way out of a script element and round-trips through JSON.parse', () => {
    const value = { m: `</script><!-- ${XSS} & \u2028` };
    const text = jsonForScript(value);
    assert.ok(!/[<>&\u2028]/.test(text));
    assert.deepEqual(JSON.parse(text), value);
  });
});

describe('renderHtml', () => {
  const report = mixedReport();
  const html = renderHtml(report);

  it('renders untrusted text as text, never as markup', () => {
    assert.equal(html.match(/<script/g)?.length, 2, 'only the rows block and the page script');
    assert.ok(html.includes('manifest unknown &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;'));
    assert.ok(html.includes('foxtrot:&lt;b&gt;x&lt;/b&gt;'));
    assert.ok(!html.includes('<b>x</b>'));
  });

  it('shows control characters escaped and carries none raw, the data block included', () => {
    const hostile = reportWith([result('a', 'failed', { error: { code: 'X', message: 'one\ntwo\r\u001b[31mred\u009b2J\u007f' } })]);
    const page = renderHtml(hostile);
    assert.ok(page.includes('one\\ntwo\\r\\x1b[31mred\\u009b2J\\x7f'), 'the message, escaped');
    assert.doesNotMatch(page.replace(/\n/g, ''), /[\u0000-\u001f\u007f-\u009f]/);
    assert.equal(rowData(page)[0]?.em, 'one\\ntwo\\r\\x1b[31mred\\u009b2J\\x7f');
  });

  it('embeds every row, in the report order, with its texts intact', () => {
    const rows = rowData(html);
    assert.deepEqual(
      rows.map((r) => [r.i, r.s, r.src]),
      report.results.map((r, i) => [i, r.status, r.source]),
    );
    assert.equal(rows.find((r) => r.src.includes('charlie'))?.em, `manifest unknown ${XSS} & "quotes"`);
  });

  it('has the summary counts without JavaScript', () => {
    const count = (name: string): string | undefined => new RegExp(`data-count="${name}">([^<]*)<`).exec(html)?.[1];
    assert.deepEqual(['images', 'succeeded', 'skipped', 'failed', 'planFailed'].map(count), ['7', '3', '2', '2', '1']);
    assert.match(html, /<title>image-transfer run 20250102-030405-abcd: failed<\/title>/);
    assert.ok(html.includes('16.0 MiB'));
  });

  it('renders one row per image, failures first', () => {
    const statuses = [...html.matchAll(/<tr data-status="(\w+)"/g)].map((m) => m[1]);
    assert.deepEqual(statuses, ['failed', 'failed', 'succeeded', 'skipped', 'succeeded', 'skipped', 'succeeded']);
    assert.equal([...html.matchAll(/<tr data-plan-failure>/g)].length, 1);
    assert.ok(html.includes('title="sha256:abab'));
    assert.ok(html.includes('>sha256:abababababab<'));
  });

  it('is self-contained and allows only its own script and style', () => {
    assert.ok(!/\b(src|href)=/i.test(html), 'no external resource');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    const hash = (text: string): string => `sha256-${createHash('sha256').update(text).digest('base64')}`;
    assert.ok(csp.includes(`script-src '${hash(script)}'`));
    assert.ok(csp.includes(`style-src '${hash(style)}'`));
  });

  it('renders an empty run', () => {
    const empty = renderHtml(
      aggregateReport({
        runId: 'r',
        version: '1',
        startedAt: '2025-01-01T00:00:00.000Z',
        finishedAt: '2025-01-01T00:00:00.000Z',
        results: [],
        planFailures: [],
      }),
    );
    assert.ok(empty.includes('data-count="images">0<'));
    assert.ok(!empty.includes('<tr data-status'));
  });
});
