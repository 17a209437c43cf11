import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSecretFile, resolveApiCredentials, scfRoleCredential } from '../../../lib/tencent/credential.js';
import { TencentApiError } from '../../../lib/tencent/errors.js';
import { createTcrClient } from '../../../lib/tencent/sdk.js';
import { throttleClient } from '../../../lib/tencent/throttle.js';
import { fastThrottle, KEY, ROLE, startTcrCloud, type TcrCloud } from './setup.js';

describe('Tencent API credentials', () => {
  let dir: string;
  let cloud: TcrCloud;
  const file = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secret-file-'));
    cloud = await startTcrCloud();
    cloud.model.setCcr('ap-guangzhou', { namespaces: ['team'], repositories: {} });
  });
  after(async () => {
    await cloud?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('each side falls back to the other by key presence; both sides are used as given', async () => {
    const onlyCcr = await loadSecretFile(await file('ccr.yaml', 'ccr:\n  secretId: AKIDa\n  secretKey: keyA-0001\n'));
    assert.deepEqual(onlyCcr, { ccr: { secretId: 'AKIDa', secretKey: 'keyA-0001' }, tcr: { secretId: 'AKIDa', secretKey: 'keyA-0001' } });
    const onlyTcr = await loadSecretFile(await file('tcr.yaml', 'tcr:\n  secretId: AKIDb\n  secretKey: keyB-0001\n  token: tok-0001\n'));
    assert.deepEqual(onlyTcr.ccr, { secretId: 'AKIDb', secretKey: 'keyB-0001', token: 'tok-0001' });
    const both = await loadSecretFile(await file('both.yaml', 'ccr: {secretId: AKIDa, secretKey: keyA-0001}\ntcr: {secretId: AKIDb, secretKey: keyB-0001}\n'));
    assert.equal(both.ccr.secretId, 'AKIDa');
    assert.equal(both.tcr.secretId, 'AKIDb');
    const empty = await loadSecretFile(await file('empty-values.yaml', 'ccr:\n  secretId: ""\n  secretKey: ""\n'));
    assert.equal(empty.tcr.secretId, '', 'an empty value still counts as present, as in the original');
  });

  it('bad files are CONFIG_INVALID naming the file and field, never the secret value', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['none.yaml', 'other: 1\n', /none\.yaml.*other: unknown field/],
      ['neither.yaml', '{}\n', /neither\.yaml: no matched secret provided in secret file/],
      [
        'typo.yaml',
        'ccr:\n  secretId: AKIDx\n  secretkey: hunter2-secret\n',
        /typo\.yaml:\d+: ccr\.secretKey: is required[\s\S]*ccr\.secretkey: unknown field/,
      ],
      ['type.yaml', 'tcr:\n  secretId: AKIDx\n  secretKey: [hunter2-secret]\n', /type\.yaml:1: tcr\.secretKey: expected a string/],
    ];
    for (const [name, text, pattern] of cases) {
      const err = await loadSecretFile(await file(name, text)).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      );
      assert.ok(err, name);
      assert.equal(err.code, 'CONFIG_INVALID', name);
      assert.match(err.message, pattern);
      assert.doesNotMatch(err.message, /hunter2/, `${name}: the value stays out of the message`);
    }
  });

  it('the SCF role provider reads TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN at call time and the token is sent', async () => {
    const env: Record<string, string | undefined> = {};
    const provider = scfRoleCredential(env);
    await assert.rejects(provider.getCredential(), /TENCENTCLOUD_SECRETID/);
    Object.assign(env, { TENCENTCLOUD_SECRETID: ROLE.secretId, TENCENTCLOUD_SECRETKEY: ROLE.secretKey, TENCENTCLOUD_SESSIONTOKEN: ROLE.token });
    const viaRole = throttleClient(createTcrClient({ credential: provider, region: 'ap-guangzhou', endpoint: cloud.server.endpoint }), fastThrottle());
    const r = await viaRole.DescribeNamespacePersonal({ Namespace: '', Offset: 0, Limit: 100 });
    assert.deepEqual(
      r.Data?.NamespaceInfo?.map((n) => n.Namespace),
      ['team'],
    );
    env.TENCENTCLOUD_SESSIONTOKEN = 'rotated-but-unknown-token';
    await assert.rejects(
      viaRole.DescribeNamespacePersonal({ Namespace: '', Offset: 0, Limit: 100 }),
      (e: unknown) => e instanceof TencentApiError && e.apiCode === 'AuthFailure.TokenFailure',
    );
    const resolved = await resolveApiCredentials({ env: { TENCENTCLOUD_SECRETID: 'AKIDz', TENCENTCLOUD_SECRETKEY: 'zz-key-0001' } });
    assert.equal((await (resolved.tcr as { getCredential(): Promise<{ secretId: string }> }).getCredential()).secretId, 'AKIDz');
    await assert.rejects(resolveApiCredentials({ env: {} }), (e: unknown) => (e as { code?: string }).code === 'CONFIG_INVALID');
  });

  it('a wrong secret key is refused by the signature check (AuthFailure.SignatureFailure, not retried)', async () => {
    const forged = throttleClient(cloud.client('ap-guangzhou', { secretId: KEY.secretId, secretKey: 'not-the-right-key' }), fastThrottle());
    const before = cloud.server.requests.length;
    await assert.rejects(forged.DescribeNamespacePersonal({ Namespace: '', Offset: 0, Limit: 100 }), (e: unknown) => {
      assert.ok(e instanceof TencentApiError);
      assert.equal(e.apiCode, 'AuthFailure.SignatureFailure');
      assert.equal(e.attempts, 1);
      assert.doesNotMatch(e.message, /not-the-right-key/);
      return true;
    });
    assert.equal(cloud.server.requests.length - before, 1);
    const good = await cloud.client('ap-guangzhou').DescribeNamespacePersonal({ Namespace: '', Offset: 0, Limit: 100 });
    assert.equal(good.Data?.NamespaceCount, 1);
  });
});
