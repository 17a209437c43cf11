import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SIGNATURE_HEADER, signRequest, verifyRequest } from '../../../lib/util/request-signature.js';

const KEY = 'planner-signing-key';
const BODY = '{"rules":"a: b"}';
// a fixed clock: every signature and check below is at a moment the test chooses
const NOW = Date.UTC(2030, 0, 1, 12, 0, 0, 400);

describe('request signatures (planner Function URL)', () => {
  it('accepts a fresh signature over the same method, path and body (the method in any case)', () => {
    const header = signRequest(KEY, 'POST', '/runs', BODY, NOW);
    assert.match(header, /^t=\d+,s=[a-f0-9]{64}$/);
    assert.equal(verifyRequest(KEY, header, 'POST', '/runs', BODY, NOW), undefined);
    assert.equal(verifyRequest(KEY, header, 'post', '/runs', BODY, NOW + 1000), undefined);
  });

  // invariant: the wire format stays what other signers compute (this vector was checked with openssl:
  // HMAC-SHA256(key, "<t>\n<METHOD>\n<path>\n<sha256 hex of body>"), the method upper-cased)
  it('signs a known vector, whatever the case of the method', () => {
    const expected = 't=1800000000,s=2a8064714fb90d9bc5036facd3f7f2dc88cd340f1f75115519ab009c0a87486d';
    assert.equal(signRequest(KEY, 'post', '/runs', BODY, 1_800_000_000_123), expected);
    assert.equal(signRequest(KEY, 'POST', '/runs', BODY, 1_800_000_000_999), expected);
  });

  // invariant: a captured request replays for at most 300 s, in either direction of clock skew
  it('refuses a signature older than 300 s as expired, and accepts one exactly 300 s old', () => {
    const header = signRequest(KEY, 'POST', '/runs', BODY, NOW);
    const signedAt = Math.floor(NOW / 1000) * 1000;
    assert.equal(verifyRequest(KEY, header, 'POST', '/runs', BODY, signedAt + 300_000), undefined);
    assert.equal(verifyRequest(KEY, header, 'POST', '/runs', BODY, signedAt + 301_000), 'signature expired');
    assert.equal(verifyRequest(KEY, header, 'POST', '/runs', BODY, signedAt + 24 * 3600_000), 'signature expired');
  });

  it('refuses a signature from more than 300 s in the future (a replay window cannot be opened ahead of time)', () => {
    const header = signRequest(KEY, 'POST', '/runs', BODY, NOW + 301_000);
    assert.equal(verifyRequest(KEY, header, 'POST', '/runs', BODY, NOW), 'signature expired');
  });

  it('refuses a missing or malformed header before computing anything', () => {
    const good = signRequest(KEY, 'POST', '/runs', BODY, NOW);
    const s = good.split(',s=')[1]!;
    for (const header of [
      undefined,
      '',
      'garbage',
      `t=${Math.floor(NOW / 1000)}`,
      `t=abc,s=${s}`,
      `t=${Math.floor(NOW / 1000)},s=${s.slice(1)}`,
      `t=${Math.floor(NOW / 1000)},s=${s.toUpperCase()}`,
      ` ${good}`,
      `${good},x=1`,
    ]) {
      assert.equal(verifyRequest(KEY, header, 'POST', '/runs', BODY, NOW), 'missing or malformed signature', String(header));
    }
  });

  // invariant: the signature binds the method, the path, the body and the key
  it('refuses a signature made for another method, path, body or key', () => {
    const header = signRequest(KEY, 'POST', '/runs', BODY, NOW);
    assert.equal(verifyRequest(KEY, header, 'GET', '/runs', BODY, NOW), 'bad signature');
    assert.equal(verifyRequest(KEY, header, 'POST', '/runs/other', BODY, NOW), 'bad signature');
    assert.equal(verifyRequest(KEY, header, 'POST', '/runs', `${BODY} `, NOW), 'bad signature');
    assert.equal(verifyRequest('another-key', header, 'POST', '/runs', BODY, NOW), 'bad signature');
  });

  it('refuses a valid signature moved to another time (t is signed too)', () => {
    const header = signRequest(KEY, 'POST', '/runs', BODY, NOW);
    const t = Number(header.slice(2, header.indexOf(',')));
    assert.equal(verifyRequest(KEY, header.replace(`t=${t}`, `t=${t + 1}`), 'POST', '/runs', BODY, NOW), 'bad signature');
  });
});

// survivor of the mutation run: the header name is a contract with every client (docs/serverless.md, curl)
describe('the signature header', () => {
  it('is x-image-transfer-signature, as the docs and scripts send it', () => {
    assert.equal(SIGNATURE_HEADER, 'x-image-transfer-signature');
  });
});
