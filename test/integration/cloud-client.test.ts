import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { ensureBuilt, runCli, type CliRun } from '../support/cli.js';
import { startFunctionUrl, type FunctionUrl } from '../support/cloud/function-url.js';
import { asyncFunctionEnv, startWarmInstance, type WarmInstance } from '../support/cloud/functions.js';
import { startCloudFake, type CloudFake } from '../support/cloud/server.js';
import { getManifestRaw, pushImage, type PushedImage } from '../support/images.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const ROLE = {
  TENCENTCLOUD_SECRETID: 'AKIDclient000000000001',
  TENCENTCLOUD_SECRETKEY: 'client-role-secret-key-0001',
  TENCENTCLOUD_SESSIONTOKEN: 'client-session-token-0001',
};
const API_KEY = 'client-hmac-key-of-the-planner-0001';
/** A registry password in the deployment's security secret: it must never come back to the client. */
const REGISTRY_SECRET = 'registry-password-in-ssm-0001';
const BUCKET = 'reports-1250000000';

describe('image-transfer cloud start | status | watch, against the planner behind a Function URL on the cloud stand-in', () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let cloud: CloudFake;
  let fu: FunctionUrl;
  let env: Record<string, string>;
  let transfer: WarmInstance;
  let aggregator: WarmInstance;
  let pending = 0;
  let aggregating: Promise<unknown> = Promise.resolve();
  const images = new Map<string, PushedImage>();
  const outputs: string[] = [];
  let dir: string;

  const cli = async (args: string[], extraEnv: Record<string, string> = { IMAGE_TRANSFER_API_KEY: API_KEY }): Promise<CliRun> => {
    // no key of ours in the arguments: it travels in the environment or a file only
    for (const arg of args) assert.ok(!arg.includes(API_KEY));
    const run = await runCli(['cloud', ...args], { env: extraEnv, cwd: dir });
    outputs.push(run.stdout, run.stderr);
    return run;
  };
  const rulesFile = (name: string, rules: Record<string, string>): string => {
    const path = join(dir, name);
    writeFileSync(path, yaml.dump(rules));
    return path;
  };

  before(async () => {
    ensureBuilt('functions');
    ensureBuilt('cli');
    dir = mkdtempSync(join(tmpdir(), 'cloud-client-'));
    [a, b] = await Promise.all([startRegistry({ mode: 'plain' }), startRegistry({ mode: 'plain' })]);
    for (const name of ['app0', 'app1', 'app2'])
      images.set(name, await pushImage(a, `src/${name}`, 'v1', { format: 'oci', layers: [{ seed: `client-${name}`, size: 50_000 }] }));
    cloud = await startCloudFake({ secrets: { [ROLE.TENCENTCLOUD_SECRETID]: ROLE.TENCENTCLOUD_SECRETKEY }, tokens: [ROLE.TENCENTCLOUD_SESSIONTOKEN] });
    const security = { [a.host]: { insecure: true }, [b.host]: { insecure: true, username: 'mirror', password: REGISTRY_SECRET } };
    cloud.ssm.put('image-transfer/security', 'v1', { string: yaml.dump(security) });
    cloud.ssm.put('image-transfer/api-key', 'v1', { string: API_KEY });
    // SCF async mode: one transfer invocation per image (served by one warm instance, one at a time); the
    // aggregator's timer fires once no invocation is left, as its 5-minute timer would later
    cloud.handlers['scf.Invoke'] = (p) => {
      if (p.FunctionName === 'image-transfer-transfer') {
        pending += 1;
        void transfer.invoke(JSON.parse(String(p.ClientContext))).finally(() => {
          pending -= 1;
          if (pending === 0) aggregating = aggregator.invoke({ Type: 'Timer', TriggerName: 'every-5-minutes', Time: new Date().toISOString() });
        });
      }
      return { Result: { FunctionRequestId: `req-${pending}` } };
    };
    env = asyncFunctionEnv(cloud, ROLE);
    fu = await startFunctionUrl(env);
    transfer = startWarmInstance('transfer', env);
    aggregator = startWarmInstance('aggregator', env);
  });

  after(async () => {
    transfer?.stop();
    aggregator?.stop();
    await fu?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    await cloud?.stop();
  });

  it('starts a run, waits for it with plain progress lines, and ends with the summary, the report in COS and exit 0', { timeout: 120_000 }, async () => {
    const rules = rulesFile('ok.yaml', { [`${a.host}/src/app0:v1`]: `${b.host}/mirror/app0:v1`, [`${a.host}/src/app1:v1`]: `${b.host}/mirror/app1:v1` });
    const run = await cli(['start', '--url', fu.url, '--ruleFile', rules, '--poll-interval', '1']);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const runId = run.stdout.match(/^run (\S+): 2 image\(s\) planned$/m)?.[1];
    assert.ok(runId, run.stdout);
    assert.match(run.stdout, /^succeeded 2, skipped 0, failed 0, plan failures 0, /m);
    assert.match(run.stdout, /^################# Finished, 0 transfer jobs failed, 0 jobs generate failed #################$/m);
    assert.match(run.stdout, new RegExp(`^report: cos://${BUCKET}/runs/${runId}/report\\.html$`, 'm'));
    assert.match(run.stderr, new RegExp(`run ${runId}: (running|reported)`));
    for (const n of ['app0', 'app1']) assert.equal((await getManifestRaw(b, `mirror/${n}`, 'v1')).digest, images.get(n)!.digest);
    // every call was signed: the planner answered 202 then 200s, never 401
    const posts = fu.requests.filter((r) => r.method === 'POST');
    assert.equal(posts.length, 1);
    assert.match(posts[0]!.headers['x-image-transfer-signature'] ?? '', /^t=\d+,s=[0-9a-f]{64}$/);
  });

  it('--no-wait returns the run id at once; cloud status and cloud watch then report a missing image with its code and hint, exit 1', {
    timeout: 120_000,
  }, async () => {
    const keyFile = join(dir, 'api-key');
    writeFileSync(keyFile, `${API_KEY}\n`, { mode: 0o600 });
    const rules = rulesFile('missing.yaml', {
      [`${a.host}/src/app2:v1`]: `${b.host}/mirror/app2:v1`,
      [`${a.host}/src/missing:v1`]: `${b.host}/mirror/missing:v1`,
    });
    const started = await cli(['start', '--url', fu.url, '--ruleFile', rules, '--no-wait', '--api-key-file', keyFile], {});
    assert.equal(started.code, 0, started.stderr);
    const runId = started.stdout.match(/^run (\S+): 2 image\(s\) planned$/m)?.[1];
    assert.ok(runId, started.stdout);
    assert.doesNotMatch(started.stdout, /Finished/);
    const status = await cli(['status', runId, '--url', fu.url]);
    assert.match(status.stdout, new RegExp(`^run ${runId}: (running, images \\d/2 done, \\d failed|reported)`, 'm'), status.stdout);
    const watched = await cli(['watch', runId, '--url', fu.url, '--poll-interval', '1', '--progress', 'plain']);
    assert.equal(watched.code, 1, watched.stderr + watched.stdout);
    assert.match(watched.stdout, /^ {2}FAILED \S+\/src\/missing:v1 -> \S+\/mirror\/missing:v1: .*not found/m);
    assert.match(watched.stdout, /^ {4}the repository, tag or digest does not exist at the source \S+(: .*)?; fix: check the name and tag/m);
    assert.match(watched.stdout, /^succeeded 1, skipped 0, failed 1, /m);
    assert.match(watched.stdout, /################# Finished, 1 transfer jobs failed, 0 jobs generate failed #################/);
    const reported = await cli(['status', runId, '--url', fu.url]);
    assert.equal(reported.code, 1);
    assert.match(reported.stdout, /Finished, 1 transfer jobs failed/);
    const body = JSON.parse(fu.requests.at(-1)!.body || '{}');
    assert.deepEqual(body, {}, 'a status call has no body');
  });

  it("refuses a bad rule file with the local run's message and exit 2, before any request", async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'registry.example.com/a:v1: [not, a, target]\n');
    const before = fu.requests.length;
    const run = await cli(['start', '--url', fu.url, '--ruleFile', bad]);
    const local = await runCli(['--ruleFile', bad, '--dry-run'], { cwd: dir });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(local.code, 2);
    assert.equal(run.stderr, local.stderr, 'the same message as a local run');
    const noKey = await cli(['start', '--url', fu.url, '--ruleFile', bad], {});
    assert.equal(noKey.code, 2);
    const flagKey = await cli(['start', '--url', fu.url, '--api-key', 'x', '--ruleFile', bad], {});
    assert.equal(flagKey.code, 2, 'there is no flag that takes the key itself');
    assert.equal(fu.requests.length, before, 'no request was made');
  });

  it('a wrong API key gets a clear 401 naming the URL, exit 1, and starts nothing', async () => {
    const rules = rulesFile('one.yaml', { [`${a.host}/src/app0:v1`]: `${b.host}/other/app0:v1` });
    const runs = cloud.objects.size;
    const run = await cli(['start', '--url', fu.url, '--ruleFile', rules], { IMAGE_TRANSFER_API_KEY: 'not-the-key-of-this-planner' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`POST ${fu.url.replace(/\./g, '\\.')}/runs: 401 .*the API key was refused`));
    assert.ok(!run.stderr.includes('not-the-key-of-this-planner'));
    assert.equal(cloud.objects.size, runs);
  });

  it('the signed curl example of docs/serverless.md starts a run (bash, openssl, curl)', async () => {
    const page = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'serverless.md'), 'utf8');
    const block = page.match(/<!-- example: signed-curl -->\n```bash\n([\s\S]*?)```/)?.[1];
    assert.ok(block, 'docs/serverless.md has no signed-curl example');
    const job = { rules: { [`${a.host}/src/app0:v1`]: `${b.host}/job/app0:v1` }, options: {} };
    cloud.objects.set(`${BUCKET}/jobs/nightly-mirror.yaml`, Buffer.from(yaml.dump(job)));
    // asynchronously: the Function URL stand-in answers from this process
    const run = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', block], { env: { ...process.env, FUNCTION_URL: fu.url, API_KEY } });
    const answer = JSON.parse(run.stdout) as { runId: string; tasks: number; state: string };
    assert.equal(answer.state, 'planned');
    assert.equal(answer.tasks, 1);
    assert.match(answer.runId, /^\d{8}-\d{6}-/);
  });

  it('the API key, the role keys and registry secrets appear in no output and no stored object', async () => {
    await aggregating;
    const secrets = [API_KEY, REGISTRY_SECRET, ROLE.TENCENTCLOUD_SECRETKEY, ROLE.TENCENTCLOUD_SESSIONTOKEN];
    for (const text of outputs) for (const s of secrets) assert.ok(!text.includes(s), `output leaks ${s.slice(0, 6)}…`);
    for (const [key, body] of cloud.objects) for (const s of [API_KEY, REGISTRY_SECRET]) assert.ok(!body.toString().includes(s), `${key} leaks a secret`);
    for (const r of fu.requests) assert.ok(!JSON.stringify(r).includes(API_KEY), 'the key itself never travels');
  });
});
