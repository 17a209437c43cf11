import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { RunReport } from '../../lib/report/index.js';
import { hintFor } from '../../lib/report/index.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { startCloudFake, type CloudFake } from '../support/cloud/server.js';
import { getManifestRaw, pushImage, type PushedImage } from '../support/images.js';
import { RawHttp } from '../support/raw-http.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { scrambledTags, TcrModel, type CcrTag } from '../support/tcr-model.js';

const KEYS = { secretId: 'AKIDccr000000000000001', secretKey: 'ccr-api-secret-key-0001' };
const REPOS = 104;
const MANY_TAGS = 120;

describe('--ccrToTcr: a CCR personal-edition account into a TCR instance (local registries + TC3 API stand-in)', () => {
  let ccr: RunningRegistry;
  let tcr: RunningRegistry;
  let cloud: CloudFake;
  let model: TcrModel;
  let dir: string;
  const images = new Map<string, PushedImage>();
  let args: string[];

  before(async () => {
    ensureBuilt();
    [ccr, tcr] = await Promise.all([
      startRegistry({ mode: 'htpasswd+tls' }),
      startRegistry({ mode: 'htpasswd+tls', users: { '100012345678': 'tcr-temp-token' } }),
    ]);
    const repositories: Record<string, CcrTag[]> = {};
    const namespaces = ['alpha', 'beta', 'gamma'];
    for (let i = 0; i < REPOS; i++) {
      const name = `${namespaces[i % 3]}/svc${String(i).padStart(3, '0')}`;
      images.set(
        `${name}:v1`,
        await pushImage(ccr, name, 'v1', {
          format: 'oci',
          layers: [
            { seed: 'ccr-base', size: 50_000 },
            { seed: name, size: 2_000 },
          ],
        }),
      );
      repositories[name] = [{ name: 'v1', pushTime: '2026-01-01 00:00:00' }];
    }
    const many = await pushImage(ccr, 'alpha/many-tags', 'v0', { format: 'oci', layers: [{ seed: 'ccr-many', size: 10_000 }] });
    const http = new RawHttp(ccr);
    for (let t = 1; t < MANY_TAGS; t++) {
      await http.send('PUT', `/v2/alpha/many-tags/manifests/v${t}`, { headers: { 'content-type': many.mediaType }, body: many.manifestBytes });
    }
    for (let t = 0; t < MANY_TAGS; t++) images.set(`alpha/many-tags:v${t}`, many);
    repositories['alpha/many-tags'] = scrambledTags(MANY_TAGS);
    model = new TcrModel();
    model.setCcr('ap-guangzhou', { namespaces, repositories });
    model.addInstance({ name: 'mytcr', region: 'ap-shanghai', namespaces: ['alpha'] });
    model.issueToken = () => ({ username: '100012345678', token: 'tcr-temp-token' });
    cloud = await startCloudFake({ secrets: { [KEYS.secretId]: KEYS.secretKey } });
    for (const [action, handler] of Object.entries(model.service().handlers)) cloud.handlers[`tcr.${action}`] = handler;
    dir = mkdtempSync(join(tmpdir(), 'it-ccr-'));
    writeFileSync(join(dir, 'secret.yaml'), yaml.dump({ ccr: KEYS }));
    writeFileSync(
      join(dir, 'security.yaml'),
      yaml.dump({ [ccr.host]: { username: 'testuser', password: 'testpass', caFile: ccr.ca }, [tcr.host]: { caFile: tcr.ca } }),
    );
    args = [
      '--ccrToTcr',
      `--secretFile=${join(dir, 'secret.yaml')}`,
      `--securityFile=${join(dir, 'security.yaml')}`,
      '--tcrName=mytcr',
      '--tcrRegion=ap-shanghai',
      '--ccrRegion=ap-guangzhou',
      '--ccrTagNums=0',
      `--ccr-host=${ccr.host}`,
      `--tcr-host=${tcr.host}`,
      `--report-dir=${join(dir, 'reports')}`,
      '--routines=10',
      '--output=json',
    ];
  });
  after(async () => {
    await cloud?.stop();
    await Promise.all([ccr?.stop(), tcr?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('previews with --dry-run: creates nothing, lists every image', async () => {
    const run = await runCli([...args, '--dry-run'], { env: { IT_CLOUD_PROXY: cloud.proxy } });
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { tasks: unknown[] }).tasks.length, REPOS + MANY_TAGS);
    assert.match(run.stderr, /to create in TCR: 2 namespace\(s\)/);
    assert.equal(model.instances[0]!.namespaces.size, 1, 'dry run created nothing');
  });

  it('migrates the whole inventory (paging past 100 repositories and 100 tags), then a re-run is a no-op', { timeout: 180_000 }, async () => {
    const run = await runCli(args, { env: { IT_CLOUD_PROXY: cloud.proxy } });
    assert.equal(run.code, 0, run.stderr.slice(-3000));
    const report = RunReport.parse(JSON.parse(run.stdout));
    assert.equal(report.totals.succeeded, REPOS + MANY_TAGS);
    assert.deepEqual([...model.instances[0]!.namespaces.entries()].sort(), [
      ['alpha', false],
      ['beta', false],
      ['gamma', false],
    ]);
    assert.equal(model.instances[0]!.repositories.size, REPOS + 1);
    for (const key of ['alpha/svc000:v1', 'beta/svc103:v1', 'alpha/many-tags:v0', 'alpha/many-tags:v119']) {
      const [repo, tag] = key.split(':') as [string, string];
      assert.equal((await getManifestRaw(tcr, repo, tag)).digest, images.get(key)!.digest, key);
    }
    const pages = cloud.calls.filter((c) => c.action === 'DescribeRepositoryOwnerPersonal').length;
    assert.ok(pages >= 2, `repositories were paged (${pages} calls)`);
    assert.ok(cloud.calls.filter((c) => c.action === 'CreateInstanceToken').length >= 1);

    const again = await runCli(args, { env: { IT_CLOUD_PROXY: cloud.proxy } });
    assert.equal(again.code, 0, again.stderr.slice(-2000));
    const second = RunReport.parse(JSON.parse(again.stdout));
    assert.equal(second.totals.skipped, REPOS + MANY_TAGS);
    assert.equal(second.totals.bytes.copied, 0);
    assert.equal(
      second.results.reduce((n, r) => n + r.blobs.copied + r.blobs.mounted, 0),
      0,
      'no blob transfer on the re-run',
    );
  });

  it('refuses a wrong instance name with a clear message, and a secret file with an unknown key with exit 2', async () => {
    const wrong = await runCli([...args.filter((a) => !a.startsWith('--tcrName')), '--tcrName=nope'], { env: { IT_CLOUD_PROXY: cloud.proxy } });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /nope/);
    // explained from the catalogue (lib/report/failures.ts), not an "unexpected failure"
    assert.ok(wrong.stderr.includes(`fix: ${hintFor('TCR_INSTANCE_NOT_IN_REGION', 'nope').fix}`), wrong.stderr);
    assert.doesNotMatch(wrong.stderr, /unexpected failure/);
    writeFileSync(join(dir, 'bad-secret.yaml'), 'ccr:\n  secretId: x\n  secretKye: y\n');
    const bad = await runCli([...args.filter((a) => !a.startsWith('--secretFile')), `--secretFile=${join(dir, 'bad-secret.yaml')}`]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad-secret\.yaml:.*secretKye/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
  });
});
