// `node --import tsx bench/handler-rss.ts`: one 1 GiB layer copied by the transfer function's bundle
// (plain node, as SCF runs it) through the cloud stand-in; prints wall time and peak RSS.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { taskIdOf } from '../lib/planner/index.js';
import { startCloudFake } from '../test/support/cloud/server.js';
import { getManifestRaw, pushImage } from '../test/support/images.js';
import { startRegistry } from '../test/support/registry.js';

const ROLE = { TENCENTCLOUD_SECRETID: 'AKIDbench00000000001', TENCENTCLOUD_SECRETKEY: 'bench-secret-key' };
const [a, b] = await Promise.all([startRegistry({ mode: 'plain' }), startRegistry({ mode: 'plain' })]);
const cloud = await startCloudFake({ secrets: { [ROLE.TENCENTCLOUD_SECRETID]: ROLE.TENCENTCLOUD_SECRETKEY } });
try {
  const image = await pushImage(a, 'src/big', 'v1', { format: 'oci', layers: [{ seed: 'handler-rss', size: 1024 * 1024 * 1024 }] });
  cloud.ssm.put('image-transfer/security', 'v1', { string: yaml.dump({ [a.host]: { insecure: true }, [b.host]: { insecure: true } }) });
  const source = { registry: a.host, repository: 'src/big', reference: 'v1' };
  const target = { registry: b.host, repository: 'dst/big', reference: 'v1' };
  const task = {
    runId: 'bench',
    taskId: taskIdOf(source, target),
    source,
    target,
    overwrite: 'if-changed',
    rule: { source: `${a.host}/src/big:v1`, target: `${b.host}/dst/big:v1` },
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
  const ok = (await getManifestRaw(b, 'dst/big', 'v1')).digest === image.digest;
  if (!out.trim()) console.error(err.replace(/\s+/g, ' ').slice(-700));
  console.log(`transfer handler, 1 GiB layer: wall ${m?.[1]} s, peak RSS ${Math.round(Number(m?.[2]) / 1024)} MiB, digest identical: ${ok} ${out.trim()}`);
} finally {
  await cloud.stop();
  await Promise.all([a.stop(), b.stop()]);
}
