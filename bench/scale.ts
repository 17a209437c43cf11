// Scale: `node --import tsx bench/scale.ts [--only x1,x2] [--images 1000,2000] [--tags 10000]` (after `npm run build`).
// x1: copies of 1,000 and 2,000 tiny images (N/10 repositories x 10 tags, one 1 KiB layer each) on loopback,
//     ours and skopeo sync side by side (one run each, fresh destination): wall, per image, peak RSS, CPU.
// x2: one repository with N tags; `--dry-run` of one rule for the whole repository, and of an N-rule file
//     (one rule per tag). Every figure with the load average.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import yaml from 'js-yaml';
import { pushImage, type PushedImage } from '../test/support/images.js';
import { RawHttp } from '../test/support/raw-http.js';
import { startRegistry } from '../test/support/registry.js';
import type { Scenario } from './scenarios.js';
import { loadText, runOurs, runSkopeo, timed, verify, type Measured } from './tools.js';

const { values } = parseArgs({
  options: { tags: { type: 'string', default: '10000' }, images: { type: 'string', default: '1000,2000' }, only: { type: 'string', default: 'x1,x2' } },
});
const n = Number(values.tags);
const only = values.only.split(',');
const cli = join(import.meta.dirname, '..', 'dist', 'cli.cjs');
const work = mkdtempSync(join(tmpdir(), 'image-transfer-scale-'));

/** x1: N tiny images in N/10 repositories of 10 tags, pushed 32 at a time. */
function tinyImages(count: number): Scenario {
  const images = Array.from({ length: count }, (_, i) => ({
    repo: `x1/r${String(Math.floor(i / 10)).padStart(4, '0')}`,
    tag: `t${i % 10}`,
    spec: { format: 'oci' as const, layers: [{ seed: `x1-${i}`, size: 1024 }] },
  }));
  return { id: `x1-${count}`, title: `${count} tiny images (${count / 10} repositories x 10 tags)`, images, skopeo: 'sync' };
}

async function x1(counts: number[]): Promise<string> {
  const largest = tinyImages(Math.max(...counts));
  const pushed = new Map<string, PushedImage>();
  const from = await startRegistry({ mode: 'plain' });
  try {
    for (let i = 0; i < largest.images.length; i += 32)
      await Promise.all(
        largest.images.slice(i, i + 32).map(async (img) => pushed.set(`${img.repo}:${img.tag}`, await pushImage(from, img.repo, img.tag ?? 'v1', img.spec))),
      );
    const lines = [
      '| x1 | ours wall (per image) | skopeo wall (per image) | ours / skopeo | peak RSS ours / skopeo | CPU ours / skopeo | digests identical | load (1 5 15 min) |',
      '|---|---|---|---|---|---|---|---|',
    ];
    for (const count of counts) {
      const s = { ...tinyImages(count), images: largest.images.slice(0, count) };
      const got: Record<string, Measured> = {};
      let identical = true;
      for (const tool of ['ours', 'skopeo'] as const) {
        const dst = await startRegistry({ mode: 'plain' });
        try {
          got[tool] = tool === 'ours' ? await runOurs(s, from.host, dst.host, work, cli) : await runSkopeo(s, from.host, dst.host, work);
          identical &&= await verify(dst, s, pushed);
        } finally {
          await dst.stop();
        }
      }
      const [o, k] = [got.ours!, got.skopeo!];
      const per = (m: Measured) => `${((m.wallS / count) * 1000).toFixed(1)} ms`;
      lines.push(
        `| ${s.title} | ${o.wallS} s (${per(o)}) | ${k.wallS} s (${per(k)}) | ${(o.wallS / k.wallS).toFixed(2)} | ${o.rssMiB} / ${k.rssMiB} MiB | ${o.cpuS.toFixed(2)} / ${k.cpuS.toFixed(2)} s | ${identical ? 'yes' : 'NO'} | ${loadText()} |`,
      );
      process.stderr.write(`${lines.at(-1)}\n`);
    }
    return lines.join('\n');
  } finally {
    await from.stop();
  }
}

if (only.includes('x1')) console.log(await x1(values.images.split(',').map(Number)));
if (!only.includes('x2')) process.exit(0);
const src = await startRegistry({ mode: 'plain' });
// the destination is only checked (the run's registry check reaches every registry, in a dry run too)
const dst = await startRegistry({ mode: 'plain' });
try {
  const image = await pushImage(src, 'scale/many', 't00000', { format: 'oci', layers: [{ seed: 'scale', size: 1024 }] });
  const http = new RawHttp(src);
  const tags = Array.from({ length: n }, (_, i) => `t${String(i).padStart(5, '0')}`);
  for (let i = 1; i < n; i += 32)
    await Promise.all(
      tags.slice(i, i + 32).map(async (tag) => {
        const res = await http.send('PUT', `/v2/scale/many/manifests/${tag}`, { headers: { 'content-type': image.mediaType }, body: image.manifestBytes });
        if (res.status !== 201) throw new Error(`PUT ${tag}: ${res.status}`);
      }),
    );
  const security = join(work, 'security.yaml');
  writeFileSync(security, yaml.dump({ [src.host]: { insecure: true }, [dst.host]: { insecure: true } }));
  const oneRule = join(work, 'one-rule.yaml');
  writeFileSync(oneRule, yaml.dump({ [`${src.host}/scale/many`]: `${dst.host}/scale/many` }));
  const manyRules = join(work, 'many-rules.yaml');
  writeFileSync(manyRules, yaml.dump(Object.fromEntries(tags.map((t) => [`${src.host}/scale/many:${t}`, `${dst.host}/scale/many`]))));
  const common = [`--securityFile=${security}`, '--dry-run', '--progress=none', '--log-level=warn', `--report-dir=${join(work, 'reports')}`];
  const lines = ['| x2 | wall | peak RSS | CPU | load (1 5 15 min) |', '|---|---|---|---|---|'];
  for (const [title, file] of [
    [`--dry-run, one rule, a repository of ${n} tags`, oneRule],
    [`--dry-run, a file of ${n} rules`, manyRules],
  ] as const) {
    const m = await timed('sh', ['-c', `exec "${cli}" "$@" > /dev/null`, 'sh', `--ruleFile=${file}`, ...common]);
    lines.push(`| ${title} | ${m.wallS} s | ${m.rssMiB} MiB | ${m.cpuS.toFixed(2)} s | ${loadText()} |`);
  }
  console.log(lines.join('\n'));
} finally {
  await Promise.all([src.stop(), dst.stop()]);
}
