import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from '../../../lib/http/index.js';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter, parseWwwAuthenticate } from '../../../lib/registry/index.js';
import { parseDiagnostics } from '../../../lib/registry/errors.js';
import { redact, redactUrl, registerSecret } from '../../../lib/util/redact.js';

describe('parseWwwAuthenticate', () => {
  it('parses a bearer challenge with quoted params and commas inside quotes', () => {
    const [c] = parseWwwAuthenticate('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"');
    assert.equal(c?.scheme, 'bearer');
    assert.deepEqual(c?.params, { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:a/b:pull,push' });
  });
  it('parses several challenges and unquoted values', () => {
    const cs = parseWwwAuthenticate('Basic realm="r1", Bearer realm=https://t/x,service=s');
    assert.deepEqual(
      cs.map((c) => c.scheme),
      ['basic', 'bearer'],
    );
    assert.equal(cs[1]?.params.service, 's');
  });
  it('handles escapes and empty input', () => {
    assert.equal(parseWwwAuthenticate('Basic realm="a\\"b"')[0]?.params.realm, 'a"b');
    assert.deepEqual(parseWwwAuthenticate(undefined), []);
  });
});

describe('retry policy', () => {
  it('backs off exponentially with jitter inside [ceiling/2, ceiling]', () => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const ceiling = Math.min(DEFAULT_RETRY.maxDelayMs, DEFAULT_RETRY.baseDelayMs * 2 ** attempt);
      assert.equal(
        backoffDelay(DEFAULT_RETRY, attempt, undefined, () => 0),
        ceiling / 2,
      );
      assert.equal(
        backoffDelay(DEFAULT_RETRY, attempt, undefined, () => 1),
        ceiling,
      );
    }
  });
  it('honours Retry-After in seconds and as a date, capped', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(new Date(Date.now() + 5000).toUTCString(), Date.now()) !== undefined, true);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(backoffDelay(DEFAULT_RETRY, 0, 3000), 3000);
    assert.equal(backoffDelay(DEFAULT_RETRY, 0, 10 * 60_000), DEFAULT_RETRY.maxDelayMs);
  });
});

describe('RateLimiter', () => {
  it('holds the average rate', async () => {
    const limiter = new RateLimiter(50, 1);
    const t0 = Date.now();
    for (let i = 0; i < 11; i++) await limiter.take();
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 180, `11 requests at 50/s took ${elapsed}ms`);
  });
});

describe('redaction', () => {
  it('scrubs registered secrets and URL query values', () => {
    registerSecret('s3cr3t-value');
    assert.equal(redact('password s3cr3t-value here'), 'password *** here');
    assert.match(
      redactUrl('https://u:p@reg/v2/x/blobs/uploads/1?_state=abc&digest=sha256:1'),
      /^https:\/\/reg\/v2\/x\/blobs\/uploads\/1\?_state=\*\*\*&digest=sha256(:|%3A)1$/,
    );
  });
});

describe('parseDiagnostics', () => {
  it('redacts a non-JSON error body before cutting it at 200 characters, so no part of a secret survives the cut', () => {
    const secret = 'cut-in-two-secret-4Qz8';
    registerSecret(secret);
    const body = `${'x'.repeat(190)}${secret} and more`;
    const [diagnostic] = parseDiagnostics(body);
    assert.ok(diagnostic && !diagnostic.message.includes(secret.slice(0, 10)), diagnostic?.message);
    assert.ok(diagnostic!.message.length <= 200);
  });
});
