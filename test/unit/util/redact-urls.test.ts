import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redact, redactUrl, registerSecret } from '../../../lib/util/redact.js';

describe('redact', () => {
  // invariant: every registered secret of 4 characters or more is scrubbed, every occurrence
  it('scrubs every occurrence of a registered secret, from 4 characters on', () => {
    registerSecret('pw-0123');
    registerSecret('wxyz');
    registerSecret(undefined);
    assert.equal(redact('login pw-0123 then pw-0123 and wxyz'), 'login *** then *** and ***');
  });

  // a short "secret" (an empty password, "a") would blank out ordinary text everywhere
  it('ignores secrets shorter than 4 characters', () => {
    registerSecret('abc');
    assert.equal(redact('abc abcabc'), 'abc abcabc');
  });
});

describe('redactUrl', () => {
  it('drops user info and hides query values, but keeps the distribution parameters that name content', () => {
    const out = redactUrl(
      'https://user:pass@reg.example.com/v2/a/blobs/uploads/?_state=tok&digest=sha256:1&mount=sha256:2&from=b/c&n=10&last=x&X-Amz-Signature=sig',
    );
    const url = new URL(out);
    assert.equal(url.username + url.password, '');
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      _state: '***',
      digest: 'sha256:1',
      mount: 'sha256:2',
      from: 'b/c',
      n: '10',
      last: 'x',
      'X-Amz-Signature': '***',
    });
  });

  it('cuts the whole query off a string that is not a URL', () => {
    assert.equal(redactUrl('/v2/a/blobs/uploads/1?_state=tok&digest=sha256:1'), '/v2/a/blobs/uploads/1?***');
    assert.equal(redactUrl('/v2/a/tags/list'), '/v2/a/tags/list');
  });
});
