// report.html at scale: `node --import tsx bench/report-html.ts [--sizes 1000,10000,50000] [--runs 5]`.
// Renders a run of N results (about 3 % failed), opens the file in headless Chromium (a fresh page per
// run) and prints, as medians: first contentful paint, the load event, and "settled" (the first frame
// after load, when the table can be read and scrolled), with the file size and the load average.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { renderHtml } from '../lib/report/index.js';
import { largeReport } from '../test/unit/report/sample-report.js';
import { loadText, median } from './tools.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,10000,50000' }, runs: { type: 'string', default: '5' } } });
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const seconds = (ms: number): string => (ms / 1000).toFixed(2);

const work = mkdtempSync(join(tmpdir(), 'report-html-bench-'));
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
try {
  const lines = ['| results | file size | first paint | load event | settled | load (1 5 15 min) |', '|---|---|---|---|---|---|'];
  for (const n of sizes) {
    const file = join(work, `report-${n}.html`);
    writeFileSync(file, renderHtml(largeReport(n)));
    const fcp: number[] = [];
    const load: number[] = [];
    const settled: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const page = await browser.newPage();
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 120_000 });
      // evaluated over the DevTools protocol, which the page's CSP does not govern
      const t = await page.evaluate(
        () =>
          new Promise<{ fcp: number; load: number; settled: number }>((resolve) =>
            requestAnimationFrame(() =>
              setTimeout(() => {
                const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
                const paint = performance.getEntriesByName('first-contentful-paint')[0];
                resolve({ fcp: paint?.startTime ?? Number.NaN, load: nav.loadEventEnd, settled: performance.now() });
              }),
            ),
          ),
      );
      fcp.push(t.fcp);
      load.push(t.load);
      settled.push(t.settled);
      await page.close();
    }
    const size = `${(statSync(file).size / 1024 / 1024).toFixed(1)} MiB`;
    lines.push(
      `| ${n.toLocaleString('en')} | ${size} | ${seconds(median(fcp))} s | ${seconds(median(load))} s | ${seconds(median(settled))} s | ${loadText()} |`,
    );
    console.error(`${n}: settled ${settled.map(seconds).join(', ')} s`);
  }
  console.log(lines.join('\n'));
} finally {
  await browser.close();
  rmSync(work, { recursive: true, force: true });
}
