import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from '@cdktf/hcl2json';
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
    assert.equal(account.functions.get('image-transfer-transfer')!.params.MemorySize, 512);

    const before = mutating().length;
    const again = await deploy('--config', join(dir, 'values.yaml'));
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /nothing to do/);
    assert.equal(mutating().length, before, 'no mutating call on an unchanged re-deploy');

    writeFileSync(
      join(dir, 'bigger.yaml'),
      `${readFileSync(join(dir, 'values.yaml'), 'utf8')}functions:\n  transfer:\n    memory: 1024\n    timeout: 900\n    triggers:\n      - type: timer\n        name: restart-workers\n        cron: "0 */10 * * * * *"\n`,
    );
    const changed = await deploy('--config', join(dir, 'bigger.yaml'));
    assert.equal(changed.code, 0, changed.out);
    assert.deepEqual(mutating().slice(before), ['scf.UpdateFunctionConfiguration', 'scf.PublishVersion']);
    assert.equal(account.functions.get('image-transfer-transfer')!.params.MemorySize, 1024);
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
    assert.equal(Object.keys(json.resource.tencentcloud_scf_trigger_config!).length, 4);
    assert.ok(existsSync(join(out, 'transfer.zip')));
    assert.doesNotMatch(hcl, /\t|[ ]+\n/, 'no tabs or trailing spaces (terraform fmt style)');
  });
});
