import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { environmentOf } from '../../lib/deploy/index.js';
import { resolveDeployment } from '../../lib/deploy/load.js';
import { ConfigError } from '../../lib/rules/index.js';
import { description } from '../../serverless.js';

const ROOT = join(import.meta.dirname, '..', '..');

// Endpoints per doc 1496/122722: public https://cmq-<short>.public.tencenttdmq.com, private (VPC only)
// http://<short>.mqadapter.cmq.tencentyun.com.
describe('deploy: the TDMQ-CMQ data-plane endpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'it-cmq-endpoint-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const values = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it("defaults to the region's public endpoint when none is given", async () => {
    const d = await resolveDeployment(description, values('public.yaml', 'region: ap-shanghai\nqueue:\n  kind: tdmq-cmq\n  workers: 3\n'));
    assert.equal(environmentOf(d).IT_CMQ_ENDPOINT, 'https://cmq-sh.public.tencenttdmq.com');
    const gz = await resolveDeployment(description, values('gz.yaml', 'queue:\n  kind: tdmq-cmq\n'));
    assert.equal(environmentOf(gz).IT_CMQ_ENDPOINT, 'https://cmq-gz.public.tencenttdmq.com');
  });

  it('refuses the private mqadapter endpoint without vpc, naming the field; accepts it with vpc', async () => {
    const priv = 'region: ap-shanghai\nqueue:\n  kind: tdmq-cmq\n  endpoint: http://sh.mqadapter.cmq.tencentyun.com\n';
    const err = await resolveDeployment(description, values('private.yaml', priv)).then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /private\.yaml: queue\.endpoint: http:\/\/sh\.mqadapter\.cmq\.tencentyun\.com is the private \(VPC-only\) CMQ endpoint/);
    const withVpc = await resolveDeployment(description, values('vpc.yaml', `${priv}vpc: { vpcId: vpc-1, subnetId: subnet-1 }\n`));
    assert.equal(environmentOf(withVpc).IT_CMQ_ENDPOINT, 'http://sh.mqadapter.cmq.tencentyun.com');
  });

  it('a region without a known public endpoint needs one given', async () => {
    await assert.rejects(
      resolveDeployment(description, values('far.yaml', 'region: eu-frankfurt\nqueue:\n  kind: tdmq-cmq\n')),
      /far\.yaml: queue\.endpoint: no known public CMQ endpoint for eu-frankfurt/,
    );
  });

  it('npm run deploy exits 2 on a private endpoint without vpc, before any network call', () => {
    const path = values('cli.yaml', 'queue:\n  kind: tdmq-cmq\n  endpoint: http://gz.mqadapter.cmq.tencentyun.com\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'deploy.ts'), '--dry-run', '--config', path], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, IT_CLOUD_PROXY: 'http://127.0.0.1:9' },
    });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr + r.stdout, /cli\.yaml: queue\.endpoint: .*private \(VPC-only\)/);
    assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at /, 'no stack trace');
  });
});
