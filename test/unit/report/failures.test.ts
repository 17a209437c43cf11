import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RegistryError } from '../../../lib/registry/index.js';
import { FAILURES, failuresTable } from '../../../lib/report/index.js';
import { CopyError } from '../../../lib/copy/index.js';
import { InventoryError } from '../../../lib/inventory/errors.js';
import { OVERRIDE_SOURCE } from '../../../lib/registry/index.js';
import { explainFailure } from '../../../lib/usecases/index.js';

const REG = 'reg.example.com';
const sys = (code: string, message = code) => Object.assign(new Error(message), { code });
const viaCopy = (cause: unknown) => new CopyError('REGISTRY_ERROR', 'copy-blob', 'destination', `${REG}/a`, 'copying', undefined, { cause });
const http = (status: number, init: Partial<{ method: string; url: string; diagnostics: Array<{ code: string; message: string }> }> = {}) =>
  new RegistryError({
    code: 'REGISTRY_HTTP',
    method: init.method ?? 'GET',
    url: init.url ?? `https://${REG}/v2/a/manifests/v1`,
    status,
    diagnostics: init.diagnostics ?? [],
  });
const kind = (err: unknown) => explainFailure(err, REG)?.kind;

describe('the failure catalogue', () => {
  it('docs/failures.md holds the table generated from the catalogue', () => {
    const page = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'failures.md'), 'utf8');
    const table = page.match(/<!-- failures:begin -->\n([\s\S]*?)\n<!-- failures:end -->/)?.[1];
    assert.equal(table, failuresTable(), 'regenerate the table of docs/failures.md from lib/report/failures.ts');
  });

  it('fills in the registry in the cause and the fix', () => {
    const hint = explainFailure(viaCopy(sys('ECONNREFUSED')), REG)!;
    assert.equal(hint.fix, FAILURES.CONNECTION_REFUSED.fix.replaceAll('{registry}', REG));
    assert.ok(hint.cause.includes(REG));
  });

  it('explains each kind from the error chain', () => {
    assert.equal(kind(viaCopy(http(401))), 'CREDENTIALS_REFUSED');
    assert.equal(kind(viaCopy(http(403))), 'NOT_ALLOWED');
    assert.equal(kind(viaCopy(http(400, { diagnostics: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] }))), 'NOT_ALLOWED');
    assert.equal(kind(viaCopy(http(429))), 'RATE_LIMITED');
    assert.equal(kind(viaCopy(http(503))), 'REGISTRY_SERVER_ERROR');
    assert.equal(kind(viaCopy(http(400, { method: 'PUT', diagnostics: [{ code: 'MANIFEST_INVALID', message: 'manifest invalid' }] }))), 'MANIFEST_REFUSED');
    assert.equal(kind(viaCopy(sys('ENOTFOUND'))), 'DNS_FAILURE');
    assert.equal(kind(viaCopy(sys('SELF_SIGNED_CERT_IN_CHAIN'))), 'UNKNOWN_CA');
    assert.equal(kind(viaCopy(sys('ERR_TLS_CERT_ALTNAME_INVALID'))), 'HOSTNAME_MISMATCH');
    assert.equal(kind(viaCopy(sys('CERT_HAS_EXPIRED'))), 'CERTIFICATE_EXPIRED');
    assert.equal(kind(viaCopy(sys('EPROTO', 'write EPROTO ...:ssl3_get_record:wrong version number'))), 'PLAIN_HTTP_REGISTRY');
    assert.equal(kind(viaCopy(sys('ETIMEDOUT'))), 'TIMED_OUT');
    assert.equal(kind(new CopyError('SOURCE_NOT_FOUND', 'resolve', 'source', `${REG}/a:v1`, 'not found')), 'NOT_FOUND_AT_SOURCE');
  });

  it('tells a refused password from missing credentials, a token without the action, and an expired TCR login', () => {
    const at = (credentialSource: string | null) => (err: unknown) => explainFailure(err, REG, { credentialSource });
    const fileKey = `the security file key "${REG}"`;
    const refused = at(fileKey)(viaCopy(http(401)))!;
    assert.equal(refused.kind, 'CREDENTIALS_REFUSED');
    assert.ok(refused.cause.includes(fileKey) && refused.fix.includes(fileKey), 'names where the credentials came from');
    assert.equal(at(null)(viaCopy(http(401)))?.kind, 'CREDENTIALS_MISSING');
    assert.equal(at(OVERRIDE_SOURCE)(viaCopy(http(401)))?.kind, 'TCR_LOGIN_EXPIRED');
    const tokenRealm = new RegistryError({
      code: 'REGISTRY_UNAUTHORIZED',
      method: 'GET',
      url: 'https://auth.example.net/token',
      status: 401,
      tokenRealm: true,
    });
    assert.equal(at(fileKey)(viaCopy(tokenRealm))?.kind, 'CREDENTIALS_REFUSED', 'the token realm refused the password');
    const scope = new RegistryError({
      code: 'REGISTRY_UNAUTHORIZED',
      method: 'POST',
      url: `https://${REG}/v2/a/blobs/uploads/`,
      status: 401,
      challengeError: 'insufficient_scope',
    });
    assert.equal(at(fileKey)(viaCopy(scope))?.kind, 'NOT_ALLOWED', 'a token without push is not a wrong password');
    assert.equal(kind(new InventoryError('TCR_INSTANCE_NOT_FOUND', 'TCR instance "x" not found in region ap-guangzhou')), 'TCR_INSTANCE_NOT_IN_REGION');
    assert.equal(kind(new InventoryError('TCR_TOKEN_FAILED', 'cannot get a registry login for TCR instance tcr-1')), 'TCR_LOGIN_FAILED');
  });

  it('does not blame the registry credentials for a 401 from another host', () => {
    assert.equal(kind(viaCopy(http(401, { url: 'https://evil.example.net/token' }))), undefined);
  });

  it('gives no hint when no entry fits', () => {
    assert.equal(kind(new Error('something else')), undefined);
  });
});
