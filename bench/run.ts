// Side-by-side benchmark against skopeo: `npm run bench [-- --pairs 3 --only s1,s2 --scale 1]`.
// Two fresh registries on 127.0.0.1, reproducible images, A/B runs alternated, destination wiped and
// skopeo's blob-info cache deleted before every run; medians, per-pair ratios and peak RSS.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCountingProxy } from '../test/support/access-log.js';
import type { PushedImage } from '../test/support/images.js';
import { startRegistry, type RunningRegistry } from '../test/support/registry.js';
import { scenarios, type Scenario } from './scenarios.js';
import { cpuSecondsOf } from './proc-cpu.js';
import { loadText, median, runOurs, runSkopeo, seed, verify, type Measured } from './tools.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '3' },
    only: { type: 'string' },
    scale: { type: 'string', default: '1' },
    'ours-args': { type: 'string', default: '' },
  },
});
const oursArgs = values['ours-args'] ? values['ours-args'].split(' ') : [];
const pairs = Number(values.pairs);
const chosen = scenarios(Number(values.scale)).filter((s) => !values.only || values.only.split(',').includes(s.id));
const cli = join(import.meta.dirname, '..', 'dist', 'cli.cjs');
const work = mkdtempSync(join(tmpdir(), 'image-transfer-bench-'));

interface Row {
  id: string;
  title: string;
  skopeo: Measured[];
  ours: Measured[];
  ratios: number[];
  sourceRequests?: { skopeo: Record<string, number>; ours: Record<string, number> };
  digestsIdentical?: boolean;
  /** Load average when the scenario finished. */
  load?: string;
}

async function runScenario(src: RunningRegistry, s: Scenario, pushed: Map<string, PushedImage>): Promise<Row> {
  const row: Row = { id: s.id, title: s.title, skopeo: [], ours: [], ratios: [] };
  let shared: RunningRegistry | undefined;
  const proxy = s.prepopulated ? await startCountingProxy(src.url) : undefined;
  const counts: Record<'skopeo' | 'ours', Record<string, number>> = { skopeo: {}, ours: {} };
  if (s.prepopulated) {
    shared = await startRegistry({ mode: 'plain' });
    await runOurs(s, src.host, shared.host, work, cli);
  }
  let identical = true;
  for (let p = 0; p < pairs; p++) {
    const pair: Partial<Record<'skopeo' | 'ours', Measured>> = {};
    for (const tool of ['skopeo', 'ours'] as const) {
      const dst = shared ?? (await startRegistry({ mode: 'plain' }));
      const from = proxy?.host ?? src.host;
      proxy?.reset();
      const regCpu = () => cpuSecondsOf(src.dir) + cpuSecondsOf(dst.dir);
      const cpuBefore = regCpu();
      const measured = tool === 'skopeo' ? await runSkopeo(s, from, dst.host, work) : await runOurs(s, from, dst.host, work, cli, oursArgs);
      pair[tool] = { ...measured, registryCpuS: regCpu() - cpuBefore };
      if (proxy) counts[tool] = proxy.counts().byMethodAndKind;
      if (tool === 'ours') identical &&= await verify(dst, s, pushed);
      if (!shared) await dst.stop();
    }
    row.skopeo.push(pair.skopeo!);
    row.ours.push(pair.ours!);
    row.ratios.push(pair.ours!.wallS / pair.skopeo!.wallS);
    const fmt = (m: Measured) => `${m.wallS}s (cpu ${m.cpuS.toFixed(2)}s, registries ${m.registryCpuS?.toFixed(2)}s)`;
    process.stderr.write(`${s.id} pair ${p + 1}: skopeo ${fmt(pair.skopeo!)}, ours ${fmt(pair.ours!)}\n`);
  }
  row.digestsIdentical = identical;
  row.load = loadText();
  if (proxy) row.sourceRequests = counts;
  await proxy?.stop();
  await shared?.stop();
  return row;
}

/** Our wall time over the 2-core floor: the CPU both registries and we used, spread over two cores (median of runs). */
const floorRatio = (ms: Measured[]) => median(ms.map((m) => m.wallS / ((m.cpuS + (m.registryCpuS ?? 0)) / 2))).toFixed(2);

function table(rows: Row[]): string {
  const lines = [
    '| scenario | skopeo median | ours median | ratio ours/skopeo (median of pairs) | ours / 2-core floor | peak RSS skopeo / ours | client CPU skopeo / ours | registries CPU skopeo / ours | load (1 5 15 min) | digests identical |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const rss = `${Math.max(...r.skopeo.map((m) => m.rssMiB))} / ${Math.max(...r.ours.map((m) => m.rssMiB))} MiB`;
    const cpu = (ms: Measured[], k: 'cpuS' | 'registryCpuS') => median(ms.map((m) => m[k] ?? 0)).toFixed(2);
    lines.push(
      `| ${r.id}: ${r.title} | ${median(r.skopeo.map((m) => m.wallS)).toFixed(2)} s | ${median(r.ours.map((m) => m.wallS)).toFixed(2)} s | ${median(r.ratios).toFixed(2)} (${r.ratios.map((x) => x.toFixed(2)).join(', ')}) | ${floorRatio(r.ours)} | ${rss} | ${cpu(r.skopeo, 'cpuS')} / ${cpu(r.ours, 'cpuS')} s | ${cpu(r.skopeo, 'registryCpuS')} / ${cpu(r.ours, 'registryCpuS')} s | ${r.load} | ${r.digestsIdentical ? 'yes' : 'NO'} |`,
    );
  }
  return lines.join('\n');
}

/** One untimed run first: a user's first start writes the code cache (lib/cli/launch.ts), later starts use it. */
async function warmUp(src: RunningRegistry, s: Scenario): Promise<void> {
  const dst = await startRegistry({ mode: 'plain' });
  try {
    await runOurs(s, src.host, dst.host, work, cli);
  } finally {
    await dst.stop();
  }
}

process.env.IMAGE_TRANSFER_CACHE_DIR = join(work, 'code-cache');
const src = await startRegistry({ mode: 'plain' });
try {
  process.stderr.write(`seeding ${chosen.map((s) => s.id).join(', ')} into ${src.host} ...\n`);
  const pushed = await seed(src, chosen);
  if (chosen[0]) await warmUp(src, chosen[0]);
  const rows: Row[] = [];
  for (const s of chosen) rows.push(await runScenario(src, s, pushed));
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, node ${process.version}`;
  console.log(`# bench ${new Date().toISOString()} on ${machine}, ${pairs} pairs\n\n${table(rows)}`);
  for (const r of rows.filter((x) => x.sourceRequests))
    console.log(`\n${r.id} requests to the source: skopeo ${JSON.stringify(r.sourceRequests!.skopeo)}, ours ${JSON.stringify(r.sourceRequests!.ours)}`);
  writeFileSync(join(import.meta.dirname, 'results.json'), JSON.stringify({ date: new Date().toISOString(), machine, pairs, rows }, null, 2));
} finally {
  await src.stop();
}
