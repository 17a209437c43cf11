// WAN benchmark against skopeo: `npm run bench:wan [-- --pairs 3 --only w1,w2,w3 --ours-args="--routines 16" --buffer-ms 150]`;
// `--vs-args="--routines 16"` puts our CLI with those arguments in skopeo's place (an A/B of settings).
// Both registries are reached through bench/wan-proxy.ts (fresh proxies for every run); the emulator is
// checked first (a small GET on a new connection ~ 2 RTT, a 100 MiB GET ~ the cap). Each figure is printed
// beside its physical limit: payload / bandwidth + the shortest chain of round trips (see docs/benchmarks.md).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pushImage } from '../test/support/images.js';
import { startRegistry, type RunningRegistry } from '../test/support/registry.js';
import { type Scenario, wanScenarios } from './scenarios.js';
import { machineBusySeconds } from './proc-cpu.js';
import { loadText, median, runOurs, runSkopeo, seed, verify, type Measured } from './tools.js';
import { startWanProxy, type WanLink } from './wan-proxy.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '3' },
    only: { type: 'string' },
    'ours-args': { type: 'string', default: '' },
    'vs-args': { type: 'string' },
    /** WanLink.bufferMs for every link: bound the emulated bottleneck's queue (absent: per connection only). */
    'buffer-ms': { type: 'string' },
    /** Another bandwidth cap for every link (Mbit/s): a time over the limit that stays the same is start-up, not throughput. */
    mbit: { type: 'string' },
  },
});
const vsArgs = values['vs-args']?.split(' ');
/** What runs in the B slot: skopeo, or our CLI with other arguments. */
const other = vsArgs ? `ours ${vsArgs.join(' ')}` : 'skopeo';
const oursArgs = values['ours-args'] ? values['ours-args'].split(' ') : [];
const pairs = Number(values.pairs);
const bufferMs = values['buffer-ms'] === undefined ? {} : { bufferMs: Number(values['buffer-ms']) };
const mbit = values.mbit === undefined ? {} : { mbit: Number(values.mbit) };
const chosen = wanScenarios()
  .filter((s) => !values.only || values.only.split(',').includes(s.id))
  .map((s) => ({ ...s, link: { ...s.link!, ...bufferMs, ...mbit } }))
  .map((s) => ({ ...s, title: s.title.replace(/\d+ Mbit\/s/, `${s.link.mbit} Mbit/s`) }));
const cli = join(import.meta.dirname, '..', 'dist', 'cli.cjs');
const work = mkdtempSync(join(tmpdir(), 'image-transfer-wan-'));
const MiB = 1024 * 1024;

/** Round trips no client can avoid for a copy: TCP connect, the source manifest GET, a blob's GET and
 * one-request upload (each one round trip beyond its bytes), the manifest PUT. A no-op re-sync: connect,
 * then the source and destination manifest HEADs in parallel. */
const chainOf = (s: Scenario) => (s.prepopulated ? 2 : 5);
const payloadOf = (s: Scenario) => s.images.reduce((n, i) => n + i.spec.layers.reduce((m, l) => m + l.size, 0), 0);
const limitOf = (s: Scenario) =>
  s.prepopulated ? (chainOf(s) * s.link!.rttMs) / 1000 : (payloadOf(s) * 8) / (s.link!.mbit * 1e6) + (chainOf(s) * s.link!.rttMs) / 1000;

function timedGet(host: string, path: string): Promise<{ seconds: number; bytes: number }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`http://${host}${path}`, { agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => resolve({ seconds: (performance.now() - start) / 1000, bytes }));
    });
    req.on('error', reject).end();
  });
}

/** Prints the emulator's own figures next to what the link should give. */
async function checkEmulator(src: RunningRegistry, link: WanLink): Promise<string> {
  const big = await pushImage(src, 'wan/probe', 'v1', { format: 'oci', layers: [{ seed: 'wan-probe', size: 100 * MiB }] });
  const layer = big.blobs.find((d) => d !== big.blobs[0])!;
  const proxy = await startWanProxy(src.host, link);
  try {
    const small = await timedGet(proxy.host, '/v2/');
    const large = await timedGet(proxy.host, `/v2/wan/probe/blobs/${layer}`);
    const capS = (large.bytes * 8) / (link.mbit * 1e6);
    return (
      `emulator at RTT ${link.rttMs} ms, ${link.mbit} Mbit/s: GET /v2/ on a new connection ${(small.seconds * 1000).toFixed(0)} ms ` +
      `(expected 2 RTT = ${2 * link.rttMs} ms); GET of ${(large.bytes / MiB).toFixed(0)} MiB ${large.seconds.toFixed(2)} s ` +
      `(expected ${capS.toFixed(2)} s at the cap + 2 RTT = ${(capS + (2 * link.rttMs) / 1000).toFixed(2)} s)`
    );
  } finally {
    await proxy.stop();
  }
}

interface Row {
  s: Scenario;
  skopeo: Measured[];
  ours: Measured[];
  /** CPU seconds the whole machine spent during each of our runs (registries, emulator and client). */
  busy: number[];
  identical: boolean;
  load: string[];
}

async function runScenario(src: RunningRegistry, s: Scenario, pushed: Awaited<ReturnType<typeof seed>>): Promise<Row> {
  const row: Row = { s, skopeo: [], ours: [], busy: [], identical: true, load: [] };
  let shared: RunningRegistry | undefined;
  if (s.prepopulated) {
    shared = await startRegistry({ mode: 'plain' });
    await runOurs(s, src.host, shared.host, work, cli);
  }
  for (let p = 0; p < pairs; p++) {
    const order = p % 2 === 0 ? (['skopeo', 'ours'] as const) : (['ours', 'skopeo'] as const);
    const got: Partial<Record<'skopeo' | 'ours', Measured>> = {};
    for (const tool of order) {
      const dst = shared ?? (await startRegistry({ mode: 'plain' }));
      const [from, to] = await Promise.all([startWanProxy(src.host, s.link!), startWanProxy(dst.host, s.link!)]);
      try {
        if (tool === 'ours') {
          const before = machineBusySeconds();
          got[tool] = await runOurs(s, from.host, to.host, work, cli, oursArgs);
          row.busy.push(machineBusySeconds() - before);
        } else got[tool] = vsArgs ? await runOurs(s, from.host, to.host, work, cli, vsArgs) : await runSkopeo(s, from.host, to.host, work);
      } finally {
        await Promise.all([from.stop(), to.stop()]);
      }
      if (tool === 'ours' || vsArgs) row.identical &&= await verify(dst, s, pushed);
      if (!shared) await dst.stop();
    }
    row.skopeo.push(got.skopeo!);
    row.ours.push(got.ours!);
    row.load.push(loadText());
    process.stderr.write(`${s.id} pair ${p + 1}: ${other} ${got.skopeo!.wallS} s, ours ${got.ours!.wallS} s (load ${loadText()})\n`);
  }
  await shared?.stop();
  return row;
}

/** How much of the two cores the machine used during our runs (median): near 100 %, the run is CPU-bound. */
function busyShare(r: Row): string {
  const shares = r.busy.map((b, i) => b / (2 * r.ours[i]!.wallS));
  return `${(median(shares) * 100).toFixed(0)} % (${median(r.busy).toFixed(1)} CPU-s)`;
}

function table(rows: Row[]): string {
  const lines = [
    `| scenario | limit | ${other} median | ours median | ours / limit | ours − limit | ours / ${other} | peak RSS ${other} / ours | CPU ${other} / ours | machine busy during ours | load (1 5 15 min) | digests identical |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const limit = limitOf(r.s);
    const sk = median(r.skopeo.map((m) => m.wallS));
    const us = median(r.ours.map((m) => m.wallS));
    const cpu = (ms: Measured[]) => median(ms.map((m) => m.cpuS)).toFixed(2);
    const rss = (ms: Measured[]) => Math.max(...ms.map((m) => m.rssMiB));
    lines.push(
      `| ${r.s.id}: ${r.s.title} | ${limit.toFixed(2)} s | ${sk.toFixed(2)} s | ${us.toFixed(2)} s (${r.ours.map((m) => m.wallS).join(', ')}) | ${(us / limit).toFixed(2)} | ${(us - limit).toFixed(2)} s | ${(us / sk).toFixed(3)} | ${rss(r.skopeo)} / ${rss(r.ours)} MiB | ${cpu(r.skopeo)} / ${cpu(r.ours)} s | ${busyShare(r)} | ${r.load.at(-1)} | ${r.identical ? 'yes' : 'NO'} |`,
    );
  }
  return lines.join('\n');
}

process.env.IMAGE_TRANSFER_CACHE_DIR = join(work, 'code-cache');
const src = await startRegistry({ mode: 'plain' });
try {
  process.stderr.write(`seeding ${chosen.map((s) => s.id).join(', ')} into ${src.host} ...\n`);
  const pushed = await seed(src, chosen);
  const checks = [];
  for (const link of [...new Map(chosen.map((s) => [s.link!.rttMs, s.link!])).values()]) checks.push(await checkEmulator(src, link));
  process.stderr.write(`${checks.join('\n')}\n`);
  const warm = await startRegistry({ mode: 'plain' });
  await runOurs(chosen[0]!, src.host, warm.host, work, cli).finally(() => warm.stop());
  const rows: Row[] = [];
  for (const s of chosen) rows.push(await runScenario(src, s, pushed));
  const args = oursArgs.length > 0 ? `, ours with ${oursArgs.join(' ')}` : ', ours at default settings';
  console.log(`# bench:wan ${new Date().toISOString()}, ${pairs} pairs${args}\n\n${checks.map((c) => `- ${c}`).join('\n')}\n\n${table(rows)}`);
  writeFileSync(
    join(import.meta.dirname, 'results-wan.json'),
    JSON.stringify(
      { date: new Date().toISOString(), pairs, oursArgs, ...mbit, checks, rows: rows.map((r) => ({ ...r, s: r.s.id, limitS: limitOf(r.s) })) },
      null,
      2,
    ),
  );
} finally {
  await src.stop();
}
