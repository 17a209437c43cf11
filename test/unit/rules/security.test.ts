import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadSecurityFile } from '../../../lib/rules/index.js';

const dir = mkdtempSync(join(tmpdir(), 'unit-security-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const noDocker = join(dir, 'none.json');

describe('security file', () => {
  it('takes the longest matching key, expands ${ENV} and cascades TLS settings', async () => {
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    const store = await loadSecurityFile(
      file('s.yaml', 'reg.io:\n  username: host\n  password: ${HOST_PASS}\n  caFile: ca.pem\nreg.io/team:\n  username: team\n  password: p2\nindex.docker.io:\n  username: hub\n  password: p3\nplain.local:5000:\n  insecure: true\n'),
      { env: { HOST_PASS: 'p1' }, dockerConfigPath: noDocker },
    );
    assert.deepEqual({ ...store.lookup('reg.io', 'other/app'), ca: 'pem' }, { username: 'host', password: 'p1', insecure: false, ca: 'pem' });
    const team = store.lookup('reg.io', 'team/sub/app');
    assert.equal(team.username, 'team');
    assert.match(team.ca ?? '', /BEGIN CERTIFICATE/);
    assert.equal(store.lookup('docker.io', 'library/nginx').username, 'hub');
    assert.deepEqual(store.lookup('plain.local:5000', 'x'), { insecure: true });
    assert.deepEqual(store.lookup('elsewhere.io', 'x'), { insecure: false });
  });

  it('falls back to docker config.json auths', async () => {
    const docker = file('config.json', JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('me:tok:en').toString('base64') }, 'ghcr.io': { username: 'u', password: 'p' } } }));
    const store = await loadSecurityFile(undefined, { env: {}, dockerConfigPath: docker });
    assert.deepEqual(store.lookup('docker.io', 'library/x'), { username: 'me', password: 'tok:en', insecure: false });
    assert.equal(store.lookup('ghcr.io', 'o/r').username, 'u');
  });

  it('refuses unknown keys and missing variables without printing secret values', async () => {
    await assert.rejects(
      loadSecurityFile(file('bad.yaml', 'reg.io:\n  username: u\n  password: ${NOPE}\n  pasword: s3cr3t-typo\n'), { env: {}, dockerConfigPath: noDocker }),
      (err: unknown) => err instanceof ConfigError && /bad\.yaml:1: reg\.io: Unrecognized key: "pasword"/.test(err.message) && !err.message.includes('s3cr3t-typo'),
    );
    await assert.rejects(
      loadSecurityFile(file('env.yaml', 'reg.io:\n  username: u\n  password: ${NOPE}\n'), { env: {}, dockerConfigPath: noDocker }),
      /reg\.io\.password: environment variable NOPE is not set/,
    );
  });
});
