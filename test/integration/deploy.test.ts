import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from '@cdktf/hcl2json';
import { waitUntilActive } from '../../lib/deploy/index.js';
import { apiCodeOf } from '../../lib/tencent/index.js';
import { scfClient } from '../../lib/tencent/clients.js';
import { scfRoleCredential } from '../../lib/tencent/cloud-credential.js';
import { ensureBuilt } from '../support/cli.js';
import { installAccount } from '../support/cloud/account.js';
import { startCloudFake, type CloudFake } from '../support/cloud/server.js';

const ROOT = join(import.meta.dirname, '..', '..');
const KEYS = { TENCENTCLOUD_SECRET_ID: 'AKIDdeploy0000000001', TENCENTCLOUD_SECRET_KEY: 'deploy-secret-key-0001' };

describe('npm run deploy / undeploy against a local SCF + TDMQ API (TC3 signatures checked)', () => {
  let cloud: CloudFake;
  let account: ReturnType<typeof installAccount>;
  let dir: string;
  // asynchronous: the cloud stand-in runs in this process and must keep answering meanwhile
  const run = (args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'deploy.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => resolve({ code, out }));
    });
  const deploy = (...args: string[]) => run(args, { ...KEYS, IT_CLOUD_PROXY: cloud.proxy });
  const mutating = () => cloud.calls.filter((c) => c.ok && !/^(Get|List|Describe)/.test(c.action)).map((c) => `${c.service}.${c.action}`);
  const refused = () => cloud.calls.filter((c) => !c.ok && c.error?.startsWith('FailedOperation'));

  before(async () => {
    ensureBuilt('functions');
    cloud = await startCloudFake({ secrets: { [KEYS.TENCENTCLOUD_SECRET_ID]: KEYS.TENCENTCLOUD_SECRET_KEY } });
    account = installAccount(cloud);
    dir = mkdtempSync(join(tmpdir(), 'it-deploy-'));
    writeFileSync(join(dir, 'values.yaml'), 'region: ap-shanghai\nqueue:\n  kind: tdmq-cmq\n  endpoint: https://cmq-sh.public.tencenttdmq.com\n  workers: 6\n');
  });
  after(async () => {
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploys everything, then a re-deploy makes no mutating call, then a change updates only what changed', async () => {
    const first = await deploy('--config', join(dir, 'values.yaml'));
    assert.equal(first.code, 0, first.out);
    assert.deepEqual([...account.functions.keys()].sort(), ['image-transfer-aggregator', 'image-transfer-planner', 'image-transfer-transfer']);
    assert.deepEqual([...account.queues.keys()].sort(), ['image-transfer-tasks', 'image-transfer-tasks-dlq']);
    const planner = account.functions.get('image-transfer-planner')!;
    assert.deepEqual([...planner.triggers.keys()].sort(), ['function-url', 'nightly']);
    const env = Object.fromEntries((planner.params.Environment as { Variables: Array<{ Key: string; Value: string }> }).Variables.map((v) => [v.Key, v.Value]));
    assert.equal(env.IT_QUEUE, 'tdmq-cmq');
    assert.equal(env.IT_WORKERS, '6');
    assert.equal(env.IT_REGION, 'ap-shanghai');
    assert.ok(Object.values(env).every((v) => !v.includes(KEYS.TENCENTCLOUD_SECRET_KEY)));
    assert.equal(account.functions.get('image-transfer-transfer')!.params.MemorySize, 256);
    // tdmq-cmq mode: deploy adds the timer that restarts workers that died
    assert.deepEqual([...account.functions.get('image-transfer-transfer')!.triggers.keys()], ['restart-workers']);

    const before = mutating().length;
    const again = await deploy('--config', join(dir, 'values.yaml'));
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /nothing to do/);
    assert.equal(mutating().length, before, 'no mutating call on an unchanged re-deploy');
    // SCF's stored forms came back from ListTriggers and were recognised: the Function URL kept its address
    const stored = planner.triggers;
    assert.equal(stored.get('nightly')!.TriggerDesc, JSON.stringify({ cron: JSON.parse(String(stored.get('nightly')!.TriggerDesc)).cron }));
    assert.match(String(stored.get('function-url')!.TriggerDesc), /"CorsConfig":\{/);
    assert.deepEqual(refused(), [], 'no call was refused because a function was still being created or updated');

    writeFileSync(
      join(dir, 'bigger.yaml'),
      `${readFileSync(join(dir, 'values.yaml'), 'utf8')}functions:\n  transfer:\n    memory: 1024\n    timeout: 900\n    triggers:\n      - type: timer\n        name: restart-workers\n        cron: "0 */10 * * * * *"\n`,
    );
    const changed = await deploy('--config', join(dir, 'bigger.yaml'));
    assert.equal(changed.code, 0, changed.out);
    assert.deepEqual(mutating().slice(before), ['scf.UpdateFunctionConfiguration', 'scf.PublishVersion']);
    assert.equal(account.functions.get('image-transfer-transfer')!.params.MemorySize, 1024);
  });

  it('waits for each asynchronous SCF operation: a second change to a function that is Updating is refused', async () => {
    account.timing.busyPolls = 2;
    account.timing.busyMs = 300;
    const scf = scfClient(scfRoleCredential(KEYS), { region: 'ap-shanghai', proxy: cloud.proxy });
    const name = 'image-transfer-aggregator';
    const params = account.functions.get(name)!.params;
    await scf.UpdateFunctionConfiguration({ FunctionName: name, Namespace: 'default', Description: String(params.Description) });
    await assert.rejects(
      scf.UpdateFunctionConfiguration({ FunctionName: name, Namespace: 'default', Description: String(params.Description) }),
      (err) => apiCodeOf(err) === 'FailedOperation.UpdateFunctionConfiguration',
    );
    await assert.rejects(scf.PublishVersion({ FunctionName: name, Namespace: 'default' }), (err) => apiCodeOf(err) === 'FailedOperation.PublishVersion');
    await waitUntilActive(scf, name, 'default', 'UpdateFunctionConfiguration', { intervalMs: 50 });

    // older code in the cloud: deploy updates code, then configuration, then publishes, each once the last is done
    account.functions.get(name)!.params.Description = 'image-transfer 0.0.0 code 0000000000000000';
    const before = mutating().length;
    const refusedBefore = refused().length;
    const r = await deploy('--config', join(dir, 'bigger.yaml'));
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(mutating().slice(before), ['scf.UpdateFunctionCode', 'scf.UpdateFunctionConfiguration', 'scf.PublishVersion']);
    assert.equal(refused().length, refusedBefore, 'deploy never called SCF while the function was not Active');
    assert.equal(account.functions.get(name)!.status, 'Active');

    // a change still in progress when deploy starts (someone else's): deploy reads the state it settles in
    await scf.UpdateFunctionConfiguration({ FunctionName: name, Namespace: 'default', MemorySize: 2048 });
    const mid = mutating().length;
    const again = await deploy('--config', join(dir, 'bigger.yaml'));
    assert.equal(again.code, 0, again.out);
    assert.deepEqual(mutating().slice(mid), ['scf.UpdateFunctionConfiguration', 'scf.PublishVersion']);
    assert.equal(refused().length, refusedBefore);
  });

  it('fails naming the function, its failed status and StatusReasons when an update ends in UpdateFailed', async () => {
    account.timing.busyPolls = 1;
    account.timing.busyMs = 0;
    const reason = { ErrorCode: 'FailedOperation.UpdateFunctionConfiguration', ErrorMessage: 'the subnet has no free IP address' };
    account.timing.failures.set('image-transfer-transfer', new Map([['UpdateFunctionConfiguration', reason]]));
    writeFileSync(join(dir, 'smaller.yaml'), readFileSync(join(dir, 'bigger.yaml'), 'utf8').replace('memory: 1024', 'memory: 768'));
    const r = await deploy('--config', join(dir, 'smaller.yaml'));
    account.timing.failures.clear();
    assert.equal(r.code, 1, r.out);
    assert.match(
      r.out,
      /deploy: function image-transfer-transfer is UpdateFailed after UpdateFunctionConfiguration: FailedOperation\.UpdateFunctionConfiguration: the subnet has no free IP address/,
    );
    assert.doesNotMatch(r.out, /PublishVersion\s+image-transfer-transfer/, 'nothing is published after a failed update');
  });

  it('deploys the scf-async mode without a worker-restart timer (there are no workers), and refuses one declared there', async () => {
    writeFileSync(join(dir, 'async.yaml'), 'prefix: it-async\nregion: ap-shanghai\nqueue:\n  kind: scf-async\n  retries: 1\n  ttlSeconds: 3600\n');
    const r = await deploy('--config', join(dir, 'async.yaml'));
    assert.equal(r.code, 0, r.out);
    const transfer = account.functions.get('it-async-transfer')!;
    assert.deepEqual([...transfer.triggers.keys()], [], 'no restart-workers timer in scf-async mode');
    assert.ok(
      cloud.calls.some((c) => c.ok && c.action === 'UpdateFunctionEventInvokeConfig'),
      'the async retry settings are applied instead',
    );
    assert.equal([...account.queues.keys()].filter((q) => q.startsWith('it-async')).length, 0, 'no queue in scf-async mode');
    writeFileSync(
      join(dir, 'async-timer.yaml'),
      `${readFileSync(join(dir, 'async.yaml'), 'utf8')}functions:\n  transfer:\n    memory: 512\n    timeout: 900\n    triggers:\n      - type: timer\n        name: restart-workers\n        cron: "0 */10 * * * * *"\n`,
    );
    const bad = await deploy('--config', join(dir, 'async-timer.yaml'));
    assert.equal(bad.code, 2, bad.out);
    assert.match(
      bad.out,
      /async-timer\.yaml: functions\.transfer\.triggers\.0: the restart-workers timer restarts TDMQ-CMQ workers; with queue kind scf-async there are none/,
    );
    const removed = await deploy('--undeploy', '--config', join(dir, 'async.yaml'));
    assert.equal(removed.code, 0, removed.out);
  });

  it('undeploys exactly what deploy created', async () => {
    const r = await deploy('--undeploy', '--config', join(dir, 'values.yaml'));
    assert.equal(r.code, 0, r.out);
    assert.equal(account.functions.size, 0);
    assert.equal(account.queues.size, 0);
  });

  it('prints a dry-run plan without any network access, and refuses a bad value with exit 2', async () => {
    const calls = cloud.calls.length;
    const dry = await run(['--dry-run'], { IT_CLOUD_PROXY: 'http://127.0.0.1:9' });
    assert.equal(dry.code, 0, dry.out);
    assert.match(dry.out, /scf\.CreateFunction\s+image-transfer-planner/);
    assert.equal(cloud.calls.length, calls);
    writeFileSync(join(dir, 'bad.yaml'), 'functions:\n  transfer:\n    memory: 100\n');
    const bad = await deploy('--config', join(dir, 'bad.yaml'));
    assert.equal(bad.code, 2);
    assert.match(bad.out, /bad\.yaml: functions\.transfer\.memory: SCF memory is 64 or 128–3072 MB/);
  });

  it('writes equivalent Terraform that parses as HCL', async () => {
    const out = join(dir, 'tf');
    const r = await deploy('--terraform', out, '--config', join(dir, 'values.yaml'));
    assert.equal(r.code, 0, r.out);
    const hcl = readFileSync(join(out, 'main.tf'), 'utf8');
    const json = (await parse('main.tf', hcl)) as { resource: Record<string, Record<string, unknown>> };
    assert.deepEqual(Object.keys(json.resource.tencentcloud_scf_function!).sort(), ['aggregator', 'planner', 'transfer']);
    assert.ok(json.resource.tencentcloud_tcmq_queue!.tasks);
    assert.equal(Object.keys(json.resource.tencentcloud_scf_trigger!).length, 4);
    assert.ok(existsSync(join(out, 'transfer.zip')));
    assert.doesNotMatch(hcl, /\t|[ ]+\n/, 'no tabs or trailing spaces (terraform fmt style)');
  });
});
