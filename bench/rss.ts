// Peak RSS against concurrency: `node --import tsx bench/rss.ts [--runs 3 --routines 1,5,16,adaptive --only s1]`
// (`adaptive`: no --routines, the default).
// Copies a loopback scenario (default s1) into a fresh registry per run with `--routines` 1, 5 and 16;
// prints the median and largest peak RSS, wall and CPU time, and the load average. Extra node flags for the
// CLI can be tried through NODE_OPTIONS (e.g. --max-semi-space-size=1).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startRegistry } from '../test/support/registry.js';
import { scenarios } from './scenarios.js';
import { loadText, median, runOurs, seed, type Measured } from './tools.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    routines: { type: 'string', default: '1,5,16,adaptive' },
    only: { type: 'string', default: 's1' },
    'ours-args': { type: 'string', default: '' },
    cli: { type: 'string', default: join(import.meta.dirname, '..', 'dist', 'cli.cjs') },
  },
});
const extra = values['ours-args'] ? values['ours-args'].split(' ') : [];
const s = scenarios(1).find((x) => x.id === values.only)!;
const cli = values.cli;
const work = mkdtempSync(join(tmpdir(), 'image-transfer-rss-'));
process.env.IMAGE_TRANSFER_CACHE_DIR = join(work, 'code-cache');
const src = await startRegistry({ mode: 'plain' });
try {
  await seed(src, [s]);
  const lines = ['| --routines | peak RSS median (max) | wall median | CPU median | load (1 5 15 min) |', '|---|---|---|---|---|'];
  for (const routines of values.routines.split(',')) {
    const runs: Measured[] = [];
    for (let i = 0; i <= Number(values.runs); i++) {
      const dst = await startRegistry({ mode: 'plain' });
      const args = routines === 'adaptive' ? extra : ['--routines', routines, ...extra];
      const m = await runOurs(s, src.host, dst.host, work, cli, args).finally(() => dst.stop());
      if (i > 0) runs.push(m); // the first run writes the code cache
    }
    const rss = runs.map((m) => m.rssMiB);
    lines.push(
      `| ${routines} | ${median(rss)} (${Math.max(...rss)}) MiB | ${median(runs.map((m) => m.wallS)).toFixed(2)} s | ${median(runs.map((m) => m.cpuS)).toFixed(2)} s | ${loadText()} |`,
    );
  }
  console.log(
    `# ${s.id}: ${s.title}, ${values.runs} runs each${process.env.NODE_OPTIONS ? `, NODE_OPTIONS=${process.env.NODE_OPTIONS}` : ''}\n\n${lines.join('\n')}`,
  );
} finally {
  await src.stop();
}
