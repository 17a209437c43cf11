import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { wire } from '../../functions/_shared/wiring.js';
import { ssmClient } from '../../lib/tencent/clients.js';
import { staticCredential } from '../../lib/tencent/cloud-credential.js';
import { startCloudFake, type CloudFake } from '../support/cloud/server.js';

const ROLE = { TENCENTCLOUD_SECRETID: 'AKIDssm00000000000001', TENCENTCLOUD_SECRETKEY: 'ssm-role-secret-key-0001', TENCENTCLOUD_SESSIONTOKEN: 'ssm-token-1' };
const SECURITY_V1 = 'old.example.com: {username: u1, password: first-password}';
const SECURITY_V2 = 'new.example.com: {username: u2, password: second-password}';

describe('SSM custom secrets, as the functions read them', () => {
  let cloud: CloudFake;
  const env = () => ({
    ...ROLE,
    IT_REGION: 'ap-guangzhou',
    IT_BUCKET: 'reports-1250000000',
    IT_SECURITY: 'image-transfer/security',
    IT_API_KEY_SECRET: 'image-transfer/api-key',
    IT_CLOUD_PROXY: cloud.proxy,
  });
  before(async () => {
    cloud = await startCloudFake({ secrets: { [ROLE.TENCENTCLOUD_SECRETID]: ROLE.TENCENTCLOUD_SECRETKEY }, tokens: [ROLE.TENCENTCLOUD_SESSIONTOKEN] });
    cloud.ssm.put('image-transfer/security', 'v1', { string: SECURITY_V1 });
    cloud.ssm.put('image-transfer/security', 'v2', { string: SECURITY_V2 });
    cloud.ssm.put('image-transfer/api-key', 'key-2026', { binary: Buffer.from('binary-hmac-key\u00e9') });
  });
  after(() => cloud?.stop());

  it('the stand-in refuses SSM_Current for a custom secret, as the cloud does (ResourceNotFound)', async () => {
    const ssm = ssmClient(
      staticCredential({ secretId: ROLE.TENCENTCLOUD_SECRETID, secretKey: ROLE.TENCENTCLOUD_SECRETKEY, token: ROLE.TENCENTCLOUD_SESSIONTOKEN }),
      {
        region: 'ap-guangzhou',
        proxy: cloud.proxy,
      },
    );
    await assert.rejects(
      ssm.GetSecretValue({ SecretName: 'image-transfer/security', VersionId: 'SSM_Current' }),
      (e: { code?: string }) => e.code === 'ResourceNotFound',
    );
    await assert.rejects(ssm.GetSecretValue({ SecretName: 'nope', VersionId: 'v1' }), (e: { code?: string }) => e.code === 'ResourceNotFound.SecretNotExist');
    const versions = await ssm.ListSecretVersionIds({ SecretName: 'image-transfer/security' });
    assert.deepEqual(
      versions.Versions?.map((v) => v.VersionId),
      ['v1', 'v2'],
    );
  });

  it('reads the newest version of the security file and decodes a SecretBinary API key', async () => {
    const w = wire(env());
    const store = await w.security();
    assert.equal(JSON.stringify(store.lookup('new.example.com', 'team/app')).includes('u2'), true, 'the newest version (v2) is used');
    assert.equal(JSON.stringify(store.lookup('old.example.com', 'team/app')).includes('u1'), false, 'not the older v1');
    assert.equal(await w.apiKey(), 'binary-hmac-key\u00e9');
    const got = cloud.calls.filter((c) => c.service === 'ssm' && c.ok).map((c) => c.action);
    assert.ok(got.includes('ListSecretVersionIds') && got.includes('GetSecretValue'));
  });

  it('a secret that cannot be read is named with its version in the error, never its value', async () => {
    cloud.ssm.secrets.get('image-transfer/security')!.enabled = false;
    try {
      const err = await wire(env())
        .security()
        .then(
          () => assert.fail('expected a refusal'),
          (e: Error) => e,
        );
      assert.match(err.message, /SSM secret image-transfer\/security: version v2 could not be read/);
      assert.doesNotMatch(err.message, /password/);
      await assert.rejects(wire({ ...env(), IT_SECURITY: 'missing/secret' }).security(), /SSM secret missing\/secret: its versions could not be read/);
    } finally {
      cloud.ssm.secrets.get('image-transfer/security')!.enabled = true;
    }
  });
});
