import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { RunReport } from '../../lib/report/index.js';
import { SIGNATURE_HEADER, signRequest } from '../../lib/util/request-signature.js';
import { startCountingProxy, type CountingProxy } from '../support/access-log.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { startCloudFake, type CloudFake } from '../support/cloud/server.js';
import { callFunction, functionEnv, invokeFunction, type Invocation } from '../support/cloud/functions.js';
import { getManifestRaw, pushImage, type PushedImage } from '../support/images.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { until } from '../support/until.js';

const MiB = 1024 * 1024;
const ROLE = {
  TENCENTCLOUD_SECRETID: 'AKIDe2e00000000000001',
  TENCENTCLOUD_SECRETKEY: 'e2e-role-secret-key-0001',
  TENCENTCLOUD_SESSIONTOKEN: 'e2e-session-token-0001',
};
const API_KEY = 'e2e-hmac-key-for-the-planner-0001';
const BUCKET = 'reports-1250000000';
const QUEUE = 'image-transfer-tasks';
/**
 * Shorter than the function's timeout (900 s), so a redelivery comes within the test; the workers then
 * stop a task before its message becomes visible again. Long enough for the 48 MiB image on a busy machine.
 */
const VISIBILITY_S = 20;

describe('serverless fan-out on a local Tencent Cloud stand-in (npm run e2e:cloud)', () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let dst: CountingProxy;
  let cloud: CloudFake;
  let env: Record<string, string>;
  const workers: Invocation[] = [];
  const images = new Map<string, PushedImage>();
  let holdWorkers = true;

  const urlEvent = (method: string, path: string, body: string, signature?: string) => ({
    httpMethod: method,
    path,
    headers: { 'content-type': 'application/json', ...(signature ? { [SIGNATURE_HEADER]: signature } : {}) },
    body,
    queryString: {},
  });

  before(async () => {
    ensureBuilt('functions');
    ensureBuilt('cli');
    [a, b] = await Promise.all([startRegistry({ mode: 'plain' }), startRegistry({ mode: 'plain' })]);
    dst = await startCountingProxy(b.url);
    images.set('big', await pushImage(a, 'src/big', 'v1', { format: 'oci', layers: [{ seed: 'e2e-big', size: 48 * MiB }] }));
    images.set(
      'multi',
      await pushImage(a, 'src/multi', 'v1', { format: 'oci', layers: [{ seed: 'e2e-multi', size: 200_000 }], platforms: ['linux/amd64', 'linux/arm64/v8'] }),
    );
    for (let i = 0; i < 27; i++)
      images.set(
        `app${i}`,
        await pushImage(a, `src/app${i}`, 'v1', {
          format: i % 2 ? 'docker' : 'oci',
          layers: [
            { seed: 'e2e-base', size: 300_000 },
            { seed: `e2e-${i}`, size: 100_000 },
          ],
        }),
      );
    cloud = await startCloudFake({ secrets: { [ROLE.TENCENTCLOUD_SECRETID]: ROLE.TENCENTCLOUD_SECRETKEY }, tokens: [ROLE.TENCENTCLOUD_SESSIONTOKEN] });
    cloud.cmq.createQueue(QUEUE, { visibilityTimeoutS: VISIBILITY_S, maxReceiveCount: 5, deadLetterQueue: `${QUEUE}-dlq` });
    cloud.cmq.createQueue(`${QUEUE}-dlq`, { visibilityTimeoutS: 30, maxReceiveCount: 1000 });
    const security = yaml.dump({ [a.host]: { insecure: true }, [dst.host]: { insecure: true } });
    // custom secrets, read by their newest VersionId (an older version names no registry); the API key is binary
    cloud.ssm.put('image-transfer/security', 'v1', { string: '{}' });
    cloud.ssm.put('image-transfer/security', 'v2', { string: security });
    cloud.ssm.put('image-transfer/api-key', 'v1', { binary: Buffer.from(API_KEY) });
    cloud.handlers['scf.Invoke'] = (p) => {
      const event = JSON.parse(String(p.ClientContext));
      if (p.FunctionName === 'image-transfer-transfer') {
        const start = () => workers.push(invokeFunction('transfer', event, env));
        // the first worker starts alone and the others only once it has received, so it holds the first task
        if (holdWorkers && workers.length > 0) void until('the first worker to receive', () => cloud.cmq.log.length > 0, 120_000).then(start);
        else start();
      }
      return { Result: { FunctionRequestId: `req-${workers.length}` } };
    };
    env = functionEnv(cloud, ROLE, { IT_CMQ_QUEUE: QUEUE });
  });

  after(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await dst?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    await cloud?.stop();
  });

  it('refuses unsigned, wrongly signed and SSRF-shaped requests and starts nothing', async () => {
    const body = JSON.stringify({ rules: `${a.host}/src/app0:v1: ${dst.host}/mirror/app0:v1\n` });
    const unsigned = await callFunction<{ statusCode: number }>('planner', urlEvent('POST', '/runs', body), env);
    assert.equal(unsigned.statusCode, 401);
    const forged = await callFunction<{ statusCode: number }>(
      'planner',
      urlEvent('POST', '/runs', body, signRequest('not-the-key', 'POST', '/runs', body)),
      env,
    );
    assert.equal(forged.statusCode, 401);
    const metadata = JSON.stringify({ rules: `169.254.0.23/latest/meta-data:v1: ${dst.host}/x/y:v1\n` });
    const ssrf = await callFunction<{ statusCode: number; body: string }>(
      'planner',
      urlEvent('POST', '/runs', metadata, signRequest(API_KEY, 'POST', '/runs', metadata)),
      env,
    );
    assert.equal(ssrf.statusCode, 403, ssrf.body);
    assert.match(ssrf.body, /169\.254\.0\.23 is not named in the security configuration/);
    assert.equal(cloud.cmq.depth(QUEUE), 0);
    assert.equal([...cloud.objects.keys()].filter((k) => k.includes('/runs/')).length, 0);
  });

  it('migrates 30 images through 4 TDMQ-CMQ workers, survives a worker killed mid-image, and reports 29 succeeded, 1 failed', {
    timeout: 300_000,
  }, async () => {
    const rules: Record<string, string> = { [`${a.host}/src/big:v1`]: `${dst.host}/mirror/big:v1` };
    for (const name of images.keys()) if (name !== 'big') rules[`${a.host}/src/${name}:v1`] = `${dst.host}/mirror/${name}:v1`;
    rules[`${a.host}/src/missing:v1`] = `${dst.host}/mirror/missing:v1`;
    const body = JSON.stringify({ rules: yaml.dump(rules) });
    const started = await callFunction<{ statusCode: number; body: string }>(
      'planner',
      urlEvent('POST', '/runs', body, signRequest(API_KEY, 'POST', '/runs', body)),
      env,
    );
    assert.equal(started.statusCode, 202, started.body);
    const { runId, tasks } = JSON.parse(started.body) as { runId: string; tasks: number };
    assert.equal(tasks, 30);

    // kill the first worker once it is uploading the big image (it holds the first message, and no other
    // worker can receive that message before its visibility timeout)
    await until('the first worker to upload the big layer', () => dst.entries().some((e) => e.kind === 'upload' && e.path.startsWith('/v2/mirror/big/')));
    workers[0]!.child.kill('SIGKILL');
    holdWorkers = false;
    await Promise.all(workers.slice(0, 4).map((w) => w.done));
    // the timer trigger restarts workers; they pick up the redelivered message once its visibility timeout is over
    // (unless a worker still draining took it already)
    await until("the killed worker's message to come back", () => cloud.cmq.visible(QUEUE) > 0 || cloud.cmq.depth(QUEUE) === 0, (VISIBILITY_S + 60) * 1000);
    await callFunction('transfer', { Type: 'Timer', TriggerName: 'restart-workers', Time: new Date().toISOString() }, env);
    // a result is written before its message is deleted: every message gone means every result final
    await until(
      'every task to be done',
      () => cloud.cmq.depth(QUEUE) === 0 && [...cloud.objects.keys()].filter((k) => k.startsWith(`${BUCKET}/runs/${runId}/results/`)).length === 30,
      120_000,
    );
    await Promise.all(workers.map((w) => w.done));
    const deliveries = JSON.stringify(cloud.cmq.log.filter((d) => (cloud.cmq.deliveries.get(d.msgId) ?? 0) > 1));

    const outcome = await callFunction<{ runs: Array<{ state: string; succeeded: number; failed: number }> }>('aggregator', { runId }, env);
    assert.equal(outcome.runs[0]!.state, 'reported');
    const report = RunReport.parse(JSON.parse(cloud.objects.get(`${BUCKET}/runs/${runId}/report.json`)!.toString()));
    assert.equal(report.totals.succeeded, 29);
    assert.equal(report.totals.failed, 1);
    assert.match(report.results[0]!.source, /src\/missing:v1$/);
    for (const key of ['report.html', 'report.md', 'failed.yaml']) assert.ok(cloud.objects.has(`${BUCKET}/runs/${runId}/${key}`), key);
    // the COS report carries the failure's code and hint, as the CLI's does (lib/report/failures.ts)
    assert.equal(report.results[0]!.error?.code, 'SOURCE_NOT_FOUND');
    assert.equal(report.results[0]!.error?.hint?.kind, 'NOT_FOUND_AT_SOURCE');
    assert.match(report.results[0]!.error!.hint!.cause, /src\/missing has no tags \(or does not exist\)$/, 'the worker looked for the tags that do exist');
    const fix = report.results[0]!.error!.hint!.fix;
    assert.ok(cloud.objects.get(`${BUCKET}/runs/${runId}/report.md`)!.toString().includes(fix), 'report.md in COS shows the fix');
    for (const [name, image] of images) assert.equal((await getManifestRaw(b, `mirror/${name}`, 'v1')).digest, image.digest, name);
    // The tag is written at most once per live processing of the message, and never while another runs it:
    // the killed worker died before the tag (it was killed at its first upload), a worker stops a task before
    // its message becomes visible again, and every later processing finds the digest in place (HEAD first).
    const log = dst.entries();
    const tagPuts = log.flatMap((e, i) => (e.method === 'PUT' && e.path === '/v2/mirror/big/manifests/v1' ? [i] : []));
    assert.equal(tagPuts.length, 1, `the big image arrived exactly once at its tag; deliveries ${deliveries}`);
    const layerDone = log.findLastIndex((e) => e.method === 'PUT' && e.kind === 'upload' && e.path.startsWith('/v2/mirror/big/'));
    assert.ok(layerDone >= 0 && layerDone < tagPuts[0]!, 'the tag was written after the layer upload completed');
    assert.ok(workers[0]!.child.signalCode === 'SIGKILL');
    assert.equal(cloud.cmq.depth(QUEUE), 0);
    assert.equal(
      [...cloud.cmq.deliveries.values()].filter((n) => n > 1).length,
      1,
      `exactly the killed worker's message was redelivered; deliveries ${deliveries}`,
    );
    const secrets = [ROLE.TENCENTCLOUD_SECRETKEY, ROLE.TENCENTCLOUD_SESSIONTOKEN, API_KEY];
    for (const [key, body] of cloud.objects) for (const secret of secrets) assert.ok(!body.toString().includes(secret), `${key} leaks a secret`);
    const outputs = await Promise.all(workers.map((w) => w.done));
    for (const o of outputs) for (const secret of secrets) assert.ok(!(o.stdout + o.stderr).includes(secret), 'a worker printed a secret');
    const fromCos = await runCli(['report', runId, '--cos', BUCKET, '--region', 'ap-guangzhou', '--prefix', ''], {
      env: { ...ROLE, IT_CLOUD_PROXY: cloud.proxy },
    });
    assert.equal(fromCos.code, 1, fromCos.stderr);
    assert.match(fromCos.stdout, /succeeded 29, skipped 0, failed 1/);
    assert.ok(
      cloud.calls.every((c) => c.ok || c.action === 'Invoke' || c.error?.startsWith('InvalidAction') === false),
      JSON.stringify(cloud.calls.filter((c) => !c.ok)),
    );
  });

  it('fans out through SCF async invocations (one per image) just as well', { timeout: 120_000 }, async () => {
    env = { ...env, IT_QUEUE: 'scf-async' };
    const rules = Object.fromEntries(['app0', 'app1', 'multi'].map((n) => [`${a.host}/src/${n}:v1`, `${dst.host}/async/${n}:v1`]));
    const body = JSON.stringify({ rules: yaml.dump(rules) });
    const before = workers.length;
    const started = await callFunction<{ statusCode: number; body: string }>(
      'planner',
      urlEvent('POST', '/runs', body, signRequest(API_KEY, 'POST', '/runs', body)),
      env,
    );
    const { runId } = JSON.parse(started.body) as { runId: string };
    assert.equal(workers.length - before, 3, 'one async invocation per image');
    await Promise.all(workers.slice(before).map((w) => w.done));
    const outcome = await callFunction<{ runs: Array<{ state: string; succeeded: number }> }>(
      'aggregator',
      { Type: 'Timer', TriggerName: 'every-5-minutes', Time: new Date().toISOString() },
      env,
    );
    assert.ok(
      outcome.runs.some((r) => r.state === 'reported' && r.succeeded === 3),
      JSON.stringify(outcome),
    );
    for (const n of ['app0', 'app1', 'multi']) assert.equal((await getManifestRaw(b, `async/${n}`, 'v1')).digest, images.get(n)!.digest);
    assert.ok(runId);
  });
});
