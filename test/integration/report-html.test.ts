import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { FsObjectStore } from '../../lib/store/index.js';
import { writeRunReport } from '../../lib/usecases/index.js';
import { largeReport, mixedReport, verifiedReport, XSS } from '../unit/report/sample-report.js';
import { renderHtml } from '../../lib/report/index.js';
import { writeFile } from 'node:fs/promises';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

describe('report.html in headless Chromium', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`, timeout: 30_000 }, () => {
  let dir: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const dialogs: string[] = [];
  const requests: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'report-html-'));
    const keys = await writeRunReport(new FsObjectStore(dir), 'runs/r1', mixedReport(), '- failed: rules\n');
    assert.ok(keys.includes('runs/r1/report.html'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(join(dir, 'runs/r1/report.html')).href, { waitUntil: 'load' });
  });

  after(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const statuses = (): Promise<string[]> => page.$$eval('#results tbody tr[data-status]', (rows) => rows.map((r) => r.getAttribute('data-status') ?? ''));
  const visibleStatuses = (): Promise<string[]> =>
    page.$$eval('#results tbody tr[data-status]', (rows) => rows.filter((r) => !r.hasAttribute('hidden')).map((r) => r.getAttribute('data-status') ?? ''));

  it('loads with no console error, page error, dialog or network request', () => {
    assert.deepEqual(problems, []);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(
      requests.filter((u) => !u.startsWith('file:')),
      [],
    );
  });

  it('shows the counts', async () => {
    const counts = await page.$$eval('[data-count]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-count'), e.textContent])));
    assert.deepEqual(counts, { images: '7', succeeded: '3', skipped: '2', failed: '2', planFailed: '1' });
    assert.equal(await page.title(), 'image-transfer run 20250102-030405-abcd: failed');
    assert.equal(await page.locator('#plan-failures tr[data-plan-failure]').count(), 1);
  });

  it('lists failed rows first and shows the script tag as text', async () => {
    assert.deepEqual(await statuses(), ['failed', 'failed', 'succeeded', 'skipped', 'succeeded', 'skipped', 'succeeded']);
    const errorText = await page.locator('#results tbody tr[data-status="failed"] td.error').allTextContents();
    assert.ok(
      errorText.some((t) => t.includes('<script>alert(1)</script> & "quotes"')),
      errorText.join('\n'),
    );
    assert.ok(await page.locator('#results tbody tr').filter({ hasText: 'foxtrot:<b>x</b>' }).count());
  });

  it('sorts by status when the header is clicked, and reverses on a second click', async () => {
    const header = page.locator('#results thead th', { hasText: 'Status' });
    await header.locator('button').click();
    assert.equal(await header.getAttribute('aria-sort'), 'ascending');
    assert.deepEqual(await statuses(), ['failed', 'failed', 'skipped', 'skipped', 'succeeded', 'succeeded', 'succeeded']);
    await header.locator('button').click();
    assert.equal(await header.getAttribute('aria-sort'), 'descending');
    assert.deepEqual(await statuses(), ['succeeded', 'succeeded', 'succeeded', 'skipped', 'skipped', 'failed', 'failed']);
  });

  it('sorts by source and by copied bytes', async () => {
    await page.locator('#results thead th', { hasText: 'Source' }).locator('button').click();
    const sources = await page.$$eval('#results tbody tr td:first-child', (tds) => tds.map((td) => td.textContent ?? ''));
    assert.deepEqual(sources, [...sources].sort());
    await page.locator('#results thead th', { hasText: 'Copied' }).locator('button').click();
    const bytes = await page.$$eval('#results tbody tr td:nth-child(5)', (tds) => tds.map((td) => Number(td.getAttribute('data-sort'))));
    assert.deepEqual(
      bytes,
      [...bytes].sort((a, b) => a - b),
    );
  });

  it('filters by status and by text', async () => {
    await page.selectOption('#status-filter', 'failed');
    assert.deepEqual(await visibleStatuses(), ['failed', 'failed']);
    assert.equal(await page.textContent('#shown-count'), '2');
    await page.selectOption('#status-filter', 'all');
    await page.fill('#text-filter', 'alpha');
    assert.equal((await visibleStatuses()).length, 2);
    await page.fill('#text-filter', '');
    assert.equal((await visibleStatuses()).length, 7);
  });

  it('ends with no error and no dialog', () => {
    assert.deepEqual(problems, []);
    assert.deepEqual(dialogs, []);
  });
});

describe('report.html of 10,000 images in headless Chromium', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`, timeout: 60_000 }, () => {
  const report = largeReport(10_000);
  const failed = report.totals.failed;
  let dir: string;
  let url: string;
  let browser: Browser;
  /** The 10,000-image page with JavaScript, opened by the first test and used by the second. */
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    assert.equal(failed, 304);
    dir = await mkdtemp(join(tmpdir(), 'report-html-large-'));
    await writeFile(join(dir, 'report.html'), renderHtml(report));
    url = pathToFileURL(join(dir, 'report.html')).href;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  after(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const open = async (javaScriptEnabled: boolean, target = url): Promise<Page> => {
    const page = await (await browser.newContext({ javaScriptEnabled })).newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) problems.push(`request: ${r.url()}`);
    });
    await page.goto(target, { waitUntil: 'load', timeout: 45_000 });
    return page;
  };
  const rowStatuses = (page: Page): Promise<string[]> =>
    page.$$eval('#results tbody tr[data-status]', (rows) => rows.map((r) => r.getAttribute('data-status') ?? ''));

  it('shows the first page of 100 rows, failures first, and pages through the failures', async () => {
    page = await open(true);
    const counts = await page.$$eval('[data-count]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-count'), e.textContent])));
    assert.deepEqual(counts, {
      images: '10000',
      succeeded: String(report.totals.succeeded),
      skipped: String(report.totals.skipped),
      failed: '304',
      planFailed: '0',
    });
    assert.deepEqual(await rowStatuses(page), Array(100).fill('failed'));
    assert.equal(await page.textContent('#page-info'), 'page 1 of 100');
    assert.equal(await page.textContent('#shown-count'), '10000');
    assert.equal(await page.isVisible('#static-note'), false);
    await page.selectOption('#status-filter', 'failed');
    assert.equal(await page.textContent('#shown-count'), '304');
    assert.equal(await page.textContent('#page-info'), 'page 1 of 4');
    for (let i = 0; i < 3; i += 1) await page.click('#next-page');
    assert.equal(await page.textContent('#page-info'), 'page 4 of 4');
    assert.deepEqual(await rowStatuses(page), Array(4).fill('failed'));
    assert.equal(await page.isDisabled('#next-page'), true);
    const last = await page.$$eval('#results tbody tr', (rows) => rows.map((r) => Number(r.getAttribute('data-index'))));
    assert.deepEqual(last, [300, 301, 302, 303]);
    await page.selectOption('#status-filter', 'succeeded');
    assert.equal(await page.textContent('#page-info'), `page 1 of ${Math.ceil(report.totals.succeeded / 100)}`);
    assert.deepEqual(await rowStatuses(page), Array(100).fill('succeeded'));
  });

  it('keeps hostile registry text as text in the rows the script builds', async () => {
    await page.selectOption('#status-filter', 'all');
    await page.fill('#text-filter', 'onerror');
    assert.equal(await page.textContent('#shown-count'), '31');
    const errors = await page.locator('#results tbody td.error').allTextContents();
    assert.equal(errors.length, 31);
    for (const text of errors) assert.ok(text.includes('<script>alert(1)</script> & "quotes" <img src=x onerror=alert(2)>'), text);
    assert.equal(await page.locator('#results img, #results script, #results b').count(), 0);
    await page.close();
  });

  it('lists the summary and every failure without JavaScript', async () => {
    const page = await open(false);
    assert.equal(await page.textContent('[data-count="failed"]'), '304');
    assert.deepEqual(await rowStatuses(page), Array(304).fill('failed'));
    assert.equal(await page.isVisible('#static-note'), true);
    assert.match((await page.textContent('#static-note')) ?? '', /first 304 of 10000 images/);
    assert.equal(await page.locator('#results img').count(), 0);
    const hostile = await page.locator('#results tbody tr[data-index="0"] td.error').textContent();
    assert.ok(hostile?.includes('<img src=x onerror=alert(2)>'), hostile ?? '');
    await page.close();
  });

  it('builds verification badges and mismatch lists in script-built rows, escaped', async () => {
    await writeFile(join(dir, 'verified.html'), renderHtml(verifiedReport()));
    const page = await open(true, pathToFileURL(join(dir, 'verified.html')).href);
    assert.equal(await page.textContent('#page-info'), 'page 1 of 1');
    const marks = await page.$$eval('#results tbody tr', (rows) =>
      rows.map((r) => `${r.getAttribute('data-status')}:${r.getAttribute('data-verification') ?? '-'}`),
    );
    assert.deepEqual(marks.sort(), ['failed:-', 'failed:mismatch', 'skipped:verified', 'succeeded:verified']);
    assert.equal(await page.locator('#results .badge.vf-verified').count(), 2);
    const items = await page.locator('#results li[data-mismatch]').allTextContents();
    assert.equal(items.length, 2);
    assert.ok(
      items.some((t) => t.includes(`127.0.0.1:5002/proj/${XSS}@`)),
      items.join('\n'),
    );
    assert.equal(await page.locator('#results script').count(), 0);
    await page.close();
  });

  it('loads with no error, dialog or network request', () => {
    assert.deepEqual(problems, []);
  });
});
