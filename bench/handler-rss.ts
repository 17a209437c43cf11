// `node --import tsx bench/handler-rss.ts` (after `npm run build`): the transfer function's bundle (plain node,
// as SCF runs it) copies, through the cloud stand-in, one image with a 1 GiB layer and then one small image
// (3 x 4 MiB); prints wall time, peak RSS and the GB-seconds SCF would bill at the deployed memory size.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { taskIdOf } from '../lib/planner/index.js';
import { deployment } from '../serverless.js';
import { startCloudFake } from '../test/support/cloud/server.js';
import { getManifestRaw, type ImageSpec, pushImage } from '../test/support/images.js';
import { startRegistry } from '../test/support/registry.js';

const MiB = 1024 * 1024;
const ROLE = { TENCENTCLOUD_SECRETID: 'AKIDbench00000000001', TENCENTCLOUD_SECRETKEY: 'bench-secret-key' };
const memoryMb = deployment.functions.transfer.memory;
const [a, b] = await Promise.all([startRegistry({ mode: 'plain' }), startRegistry({ mode: 'plain' })]);
const cloud = await startCloudFake({ secrets: { [ROLE.TENCENTCLOUD_SECRETID]: ROLE.TENCENTCLOUD_SECRETKEY } });

/** One invocation of the transfer handler for one image; wall seconds, peak RSS and whether the digest arrived. */
async function invoke(name: string, spec: ImageSpec): Promise<string> {
  const image = await pushImage(a, `src/${name}`, 'v1', spec);
  const source = { registry: a.host, repository: `src/${name}`, reference: 'v1' };
  const target = { registry: b.host, repository: `dst/${name}`, reference: 'v1' };
  const task = {
    runId: 'bench',
    taskId: taskIdOf(source, target),
    source,
    target,
    overwrite: 'if-changed',
    rule: { source: `${a.host}/src/${name}:v1`, target: `${b.host}/dst/${name}:v1` },
  };
  const env = {
    ...process.env,
    ...ROLE,
    IT_REGION: 'ap-guangzhou',
    IT_BUCKET: 'bench-1250000000',
    IT_SECURITY: 'image-transfer/security',
    IT_CLOUD_PROXY: cloud.proxy,
  };
  const child = spawn('/usr/bin/time', ['-f', '@@%e %M', process.execPath, join(import.meta.dirname, 'invoke-bundle.cjs'), 'transfer'], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.end(JSON.stringify({ task }));
  await new Promise((r) => child.on('close', r));
  const m = err.match(/@@([\d.]+) (\d+)/);
  const ok = (await getManifestRaw(b, `dst/${name}`, 'v1')).digest === image.digest;
  if (!out.trim()) console.error(err.replace(/\s+/g, ' ').slice(-700));
  const wall = Number(m?.[1]);
  const gbs = (memoryMb / 1024) * wall;
  return `wall ${wall} s, peak RSS ${Math.round(Number(m?.[2]) / 1024)} MiB, ${gbs.toFixed(2)} GB-s at ${memoryMb} MB, digest identical: ${ok} ${out.trim()}`;
}

try {
  cloud.ssm.put('image-transfer/security', 'v1', { string: yaml.dump({ [a.host]: { insecure: true }, [b.host]: { insecure: true } }) });
  const big = await invoke('big', { format: 'oci', layers: [{ seed: 'handler-rss', size: 1024 * MiB }] });
  const small = await invoke('small', { format: 'oci', layers: [1, 2, 3].map((l) => ({ seed: `handler-small-${l}`, size: 4 * MiB })) });
  console.log(
    `transfer handler (load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}):`,
  );
  console.log(`  1 GiB layer: ${big}`);
  console.log(`  3 x 4 MiB image: ${small}`);
} finally {
  await cloud.stop();
  await Promise.all([a.stop(), b.stop()]);
}
