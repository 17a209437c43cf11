import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRetryableNetworkError, parseDiagnostics, RegistryError } from '../../../lib/registry/errors.js';
import { CodedError } from '../../../lib/util/errors.js';
import { registerSecret } from '../../../lib/util/redact.js';

const URL_ = 'https://r.example/v2/app/manifests/v1';

describe('RegistryError message (what users read)', () => {
  it('joins the diagnostics of a status with "; " after the status', () => {
    const err = new RegistryError({
      code: 'REGISTRY_HTTP',
      method: 'GET',
      url: URL_,
      status: 400,
      diagnostics: [
        { code: 'A', message: 'first' },
        { code: 'B', message: 'second' },
      ],
    });
    assert.equal(err.message, `GET ${URL_}: 400 A: first; B: second`);
    assert.equal(err.name, 'RegistryError');
  });

  it('is the bare status when the registry sent no diagnostics', () => {
    assert.equal(new RegistryError({ code: 'REGISTRY_HTTP', method: 'HEAD', url: URL_, status: 404 }).message, `HEAD ${URL_}: 404`);
  });

  it('carries the detail once: in place of the status when there is none, in parentheses after it otherwise', () => {
    assert.equal(
      new RegistryError({ code: 'REGISTRY_NETWORK', method: 'GET', url: URL_, detail: 'ECONNRESET: reset' }).message,
      `GET ${URL_}: ECONNRESET: reset`,
    );
    assert.equal(new RegistryError({ code: 'REGISTRY_HTTP', method: 'GET', url: URL_, status: 401, detail: 'why' }).message, `GET ${URL_}: 401 (why)`);
    assert.equal(new RegistryError({ code: 'REGISTRY_NETWORK', method: 'GET', url: URL_ }).message, `GET ${URL_}: request failed`);
  });

  // invariant: only a retryable status makes an error retryable by default; no status never does
  it('is retryable by default for a retryable status only', () => {
    assert.equal(new RegistryError({ code: 'REGISTRY_HTTP', method: 'GET', url: URL_, status: 503 }).retryable, true);
    assert.equal(new RegistryError({ code: 'REGISTRY_HTTP', method: 'GET', url: URL_, status: 400 }).retryable, false);
    assert.equal(new RegistryError({ code: 'REGISTRY_NETWORK', method: 'GET', url: URL_ }).retryable, false);
  });
});

describe('RegistryError.notFound', () => {
  const make = (status: number | undefined, codes: string[]) =>
    new RegistryError({ code: 'REGISTRY_HTTP', method: 'GET', url: URL_, status, diagnostics: codes.map((code) => ({ code, message: 'm' })) });

  // invariant: 404 alone, or any *_UNKNOWN code among others, means "no such thing"; nothing else does
  it('is true for a 404 and for any diagnostic code ending in _UNKNOWN', () => {
    assert.equal(make(404, []).notFound, true);
    assert.equal(make(400, ['DENIED', 'MANIFEST_UNKNOWN']).notFound, true);
  });
  it('is false for other statuses and codes that merely contain _UNKNOWN', () => {
    assert.equal(make(500, []).notFound, false);
    assert.equal(make(400, ['DENIED']).notFound, false);
    assert.equal(make(400, ['BLOB_UNKNOWN_TO_ME']).notFound, false);
  });
});

describe('parseDiagnostics (registry error bodies are hostile)', () => {
  const body = JSON.stringify({ errors: [{ code: 'DISK', message: 'failed', detail: 'disk full' }] });

  // invariant: a detail is shown only for a 5xx (withDetail); the default drops it
  it('drops each entry detail by default and appends it with withDetail', () => {
    assert.deepEqual(parseDiagnostics(body), [{ code: 'DISK', message: 'failed' }]);
    assert.deepEqual(parseDiagnostics(body, true), [{ code: 'DISK', message: 'failed (disk full)' }]);
  });
  // with a secret registered, as in any run with credentials: the redaction of an absent detail must not throw
  it('shows no parentheses for a missing or null detail and JSON for a structured one', () => {
    registerSecret('errors-test-secret');
    const many = JSON.stringify({
      errors: [
        { code: 'A', message: 'a' },
        { code: 'B', message: 'b', detail: null },
        { code: 'C', message: 'c', detail: { x: 1 } },
      ],
    });
    assert.deepEqual(parseDiagnostics(many, true), [
      { code: 'A', message: 'a' },
      { code: 'B', message: 'b' },
      { code: 'C', message: 'c ({"x":1})' },
    ]);
  });
  it('cuts a detail at 200 characters', () => {
    const long = JSON.stringify({ errors: [{ code: 'X', message: 'm', detail: 'd'.repeat(500) }] });
    assert.equal(parseDiagnostics(long, true)[0]?.message, `m (${'d'.repeat(200)})`);
  });
  it('names an entry without code UNKNOWN and gives it an empty message when it has none', () => {
    assert.deepEqual(parseDiagnostics('{"errors":[{}]}'), [{ code: 'UNKNOWN', message: '' }]);
  });
  it('keeps a trimmed non-JSON body as one BODY entry, and none for a blank body', () => {
    assert.deepEqual(parseDiagnostics('  <html>bad gateway</html>\n'), [{ code: 'BODY', message: '<html>bad gateway</html>' }]);
    assert.deepEqual(parseDiagnostics(' \n '), []);
  });
});

describe('isRetryableNetworkError', () => {
  const sys = (code: string) => Object.assign(new Error(code), { code });
  // the transient codes of Node and undici, by name
  const transient =
    'ECONNRESET ECONNREFUSED EPIPE ETIMEDOUT EAI_AGAIN UND_ERR_SOCKET UND_ERR_CLOSED UND_ERR_CONNECT_TIMEOUT UND_ERR_HEADERS_TIMEOUT UND_ERR_BODY_TIMEOUT CONNECT_TIMEOUT'.split(
      ' ',
    );
  // invariant: resets and timeouts are transient, whether Node, undici or the transport names them
  it('retries every transient socket code', () => {
    for (const code of transient) assert.equal(isRetryableNetworkError(sys(code)), true, code);
  });
  it('retries the transport deadlines (coded errors)', () => {
    for (const code of ['HEADERS_TIMEOUT', 'BODY_TIMEOUT', 'BODY_TOO_SLOW'] as const) {
      assert.equal(isRetryableNetworkError(new CodedError(code, code)), true, code);
    }
  });
  // invariant: TLS and DNS failures, and errors without code, are not retried
  it('does not retry a TLS failure, a missing host or an error without code', () => {
    assert.equal(isRetryableNetworkError(sys('CERT_HAS_EXPIRED')), false);
    assert.equal(isRetryableNetworkError(sys('ENOTFOUND')), false);
    assert.equal(isRetryableNetworkError(new Error('plain')), false);
  });
  it('looks through causes, and stops on an error that is its own cause', () => {
    assert.equal(isRetryableNetworkError(new Error('wrapped', { cause: new Error('inner', { cause: sys('ECONNRESET') }) })), true);
    const loop = new Error('loop') as Error & { cause?: unknown };
    loop.cause = loop;
    assert.equal(isRetryableNetworkError(loop), false);
  });
});
