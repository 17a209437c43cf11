// Planning at scale (x2): `node --import tsx bench/scale.ts [--tags 10000]` (after `npm run build`).
// One repository with N tags on a loopback registry; times `--dry-run` of one rule for the whole
// repository, and of an N-rule file (one rule per tag); wall, peak RSS, CPU and the load average.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import yaml from 'js-yaml';
import { pushImage } from '../test/support/images.js';
import { RawHttp } from '../test/support/raw-http.js';
import { startRegistry } from '../test/support/registry.js';
import { loadText, timed } from './tools.js';

const { values } = parseArgs({ options: { tags: { type: 'string', default: '10000' } } });
const n = Number(values.tags);
const cli = join(import.meta.dirname, '..', 'dist', 'cli.cjs');
const work = mkdtempSync(join(tmpdir(), 'image-transfer-scale-'));
const src = await startRegistry({ mode: 'plain' });
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
  writeFileSync(security, yaml.dump({ [src.host]: { insecure: true }, 'dst.example.com': { insecure: true } }));
  const oneRule = join(work, 'one-rule.yaml');
  writeFileSync(oneRule, yaml.dump({ [`${src.host}/scale/many`]: 'dst.example.com/scale/many' }));
  const manyRules = join(work, 'many-rules.yaml');
  writeFileSync(manyRules, yaml.dump(Object.fromEntries(tags.map((t) => [`${src.host}/scale/many:${t}`, 'dst.example.com/scale/many']))));
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
  await src.stop();
}
