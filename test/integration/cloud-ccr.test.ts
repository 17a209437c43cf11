import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { RunReport } from '../../lib/report/index.js';
import { SIGNATURE_HEADER, signRequest } from '../../lib/util/request-signature.js';
import { ensureBuilt } from '../support/cli.js';
import { asyncFunctionEnv, callFunction, invokeFunction, type Invocation } from '../support/cloud/functions.js';
import { startCloudFake, type CloudFake } from '../support/cloud/server.js';
import { getManifestRaw, pushImage, type PushedImage } from '../support/images.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { TcrModel } from '../support/tcr-model.js';

const ROLE = { TENCENTCLOUD_SECRETID: 'AKIDccrfn0000000001', TENCENTCLOUD_SECRETKEY: 'ccr-fn-role-key-0001', TENCENTCLOUD_SESSIONTOKEN: 'ccr-fn-token-0001' };
const API_KEY = 'ccr-fn-hmac-key';
const BUCKET = 'reports-1250000000';

describe('the planner function as a CCR -> TCR source (SCF async fan-out, TCR instance-token login in workers)', () => {
  let ccr: RunningRegistry;
  let tcr: RunningRegistry;
  let cloud: CloudFake;
  let model: TcrModel;
  let env: Record<string, string>;
  const workers: Invocation[] = [];
  const images = new Map<string, PushedImage>();

  before(async () => {
    ensureBuilt('functions');
    [ccr, tcr] = await Promise.all([
      startRegistry({ mode: 'htpasswd+tls' }),
      startRegistry({ mode: 'htpasswd+tls', users: { '100012345678': 'tcr-temp-token' } }),
    ]);
    for (const [repo, tags] of [
      ['alpha/api', ['v1', 'v2']],
      ['beta/web', ['2026.11']],
      ['beta/job', ['latest']],
    ] as const) {
      for (const tag of tags)
        images.set(`${repo}:${tag}`, await pushImage(ccr, repo, tag, { format: 'oci', layers: [{ seed: `${repo}-${tag}`, size: 20_000 }] }));
    }
    model = new TcrModel();
    model.setCcr('ap-guangzhou', {
      namespaces: ['alpha', 'beta'],
      repositories: {
        'alpha/api': [
          { name: 'v1', pushTime: '2026-01-01 00:00:00' },
          { name: 'v2', pushTime: '2026-02-01 00:00:00' },
        ],
        'beta/web': [{ name: '2026.11', pushTime: '2026-11-01 00:00:00' }],
        'beta/job': [{ name: 'latest', pushTime: '2026-03-01 00:00:00' }],
      },
    });
    model.addInstance({ name: 'mytcr', region: 'ap-shanghai' });
    model.issueToken = () => ({ username: '100012345678', token: 'tcr-temp-token' });
    cloud = await startCloudFake({ secrets: { [ROLE.TENCENTCLOUD_SECRETID]: ROLE.TENCENTCLOUD_SECRETKEY }, tokens: [ROLE.TENCENTCLOUD_SESSIONTOKEN] });
    for (const [action, handler] of Object.entries(model.service().handlers)) cloud.handlers[`tcr.${action}`] = handler;
    const security = yaml.dump({ [ccr.host]: { username: 'testuser', password: 'testpass', caFile: ccr.ca }, [tcr.host]: { caFile: tcr.ca } });
    cloud.ssm.put('image-transfer/security', 'v1', { string: security });
    cloud.ssm.put('image-transfer/api-key', 'v1', { string: API_KEY });
    cloud.handlers['scf.Invoke'] = (p) => {
      workers.push(invokeFunction('transfer', JSON.parse(String(p.ClientContext)), env));
      return { Result: { FunctionRequestId: `req-${workers.length}` } };
    };
    env = asyncFunctionEnv(cloud, ROLE);
  });
  after(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await cloud?.stop();
    await Promise.all([ccr?.stop(), tcr?.stop()]);
  });

  it('plans from the CCR inventory, creates the TCR namespaces, and the workers push with instance tokens', { timeout: 120_000 }, async () => {
    const body = JSON.stringify({
      ccr: { tcrName: 'mytcr', tcrRegion: 'ap-shanghai', ccrRegion: 'ap-guangzhou', ccrTagNums: 0, ccrHost: ccr.host, tcrHost: tcr.host },
    });
    const started = await callFunction<{ statusCode: number; body: string }>(
      'planner',
      { httpMethod: 'POST', path: '/runs', headers: { [SIGNATURE_HEADER]: signRequest(API_KEY, 'POST', '/runs', body) }, body },
      env,
    );
    assert.equal(started.statusCode, 202, started.body);
    const { runId, tasks } = JSON.parse(started.body) as { runId: string; tasks: number };
    assert.equal(tasks, 4);
    assert.deepEqual([...model.instances[0]!.namespaces.keys()].sort(), ['alpha', 'beta']);
    const outcomes = await Promise.all(workers.map((w) => w.done));
    assert.ok(
      outcomes.every((o) => o.code === 0),
      outcomes.map((o) => o.stderr.slice(-500)).join('\n'),
    );
    const out = await callFunction<{ runs: Array<{ state: string }> }>('aggregator', { runId }, env);
    assert.equal(out.runs[0]!.state, 'reported');
    const report = RunReport.parse(JSON.parse(cloud.objects.get(`${BUCKET}/runs/${runId}/report.json`)!.toString()));
    assert.equal(report.totals.succeeded, 4, JSON.stringify(report.results.map((r) => r.error)));
    for (const [key, image] of images) {
      const [repo, tag] = key.split(':') as [string, string];
      assert.equal((await getManifestRaw(tcr, repo, tag)).digest, image.digest, key);
    }
    assert.ok(cloud.calls.some((c) => c.action === 'CreateInstanceToken' && c.ok));
  });
});
