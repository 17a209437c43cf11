import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CopyError, type CopyErrorCode } from '../../../lib/copy/index.js';
import { toCopyError } from '../../../lib/copy/errors.js';
import { DigestMismatchError } from '../../../lib/oci/index.js';
import { CodedError } from '../../../lib/util/errors.js';

const D = `sha256:${'ab'.repeat(32)}`;
const sysErr = (code: string) => Object.assign(new Error(`socket ${code}`), { code });

describe('toCopyError', () => {
  // the code reports, failed.yaml and retries are keyed on: one row per branch of the mapping
  const cases: [string, unknown, CopyErrorCode][] = [
    ['digest mismatch passes through', new DigestMismatchError({ digest: D }, { digest: 'sha256:00', size: 1 }), 'DIGEST_MISMATCH'],
    ['invalid manifest passes through', new CodedError('MANIFEST_INVALID', 'bad'), 'MANIFEST_INVALID'],
    ['quota passes through', new CodedError('QUOTA_EXHAUSTED', 'full'), 'QUOTA_EXHAUSTED'],
    ['an AbortError is ABORTED', new DOMException('stop', 'AbortError'), 'ABORTED'],
    ['ABORT_ERR is ABORTED', sysErr('ABORT_ERR'), 'ABORTED'],
    ['401/403 is UNAUTHORIZED', new CodedError('REGISTRY_UNAUTHORIZED', 'denied'), 'UNAUTHORIZED'],
    ['REGISTRY_NETWORK is NETWORK', new CodedError('REGISTRY_NETWORK', 'down'), 'NETWORK'],
    ['REGISTRY_TIMEOUT is NETWORK', new CodedError('REGISTRY_TIMEOUT', 'slow'), 'NETWORK'],
    ['REGISTRY_HTTP is REGISTRY_ERROR', new CodedError('REGISTRY_HTTP', '500'), 'REGISTRY_ERROR'],
    ['REGISTRY_PROTOCOL is REGISTRY_ERROR', new CodedError('REGISTRY_PROTOCOL', 'garbage'), 'REGISTRY_ERROR'],
    ['BODY_TIMEOUT is NETWORK', new CodedError('BODY_TIMEOUT', 'stalled'), 'NETWORK'],
    ['BODY_TOO_SLOW is NETWORK', new CodedError('BODY_TOO_SLOW', 'trickle'), 'NETWORK'],
    ['undici body time-out is NETWORK', sysErr('UND_ERR_BODY_TIMEOUT'), 'NETWORK'],
    ['undici socket error is NETWORK', sysErr('UND_ERR_SOCKET'), 'NETWORK'],
    ['a reset is NETWORK', sysErr('ECONNRESET'), 'NETWORK'],
    ['another system code is INTERNAL', sysErr('ENOENT'), 'INTERNAL'],
    ['a coded error of another family is INTERNAL', new CodedError('CONFIG_INVALID', 'x'), 'INTERNAL'],
    ['a plain error is INTERNAL', new Error('bug'), 'INTERNAL'],
  ];
  for (const [name, err, code] of cases) {
    it(`maps the cause to its copy code: ${name}`, () => {
      assert.equal(toCopyError(err, 'copy-blob', 'source', 'a/b', D).code, code);
    });
  }

  it('names the blob, the side and the cause for a blob; keeps op, origin, ref, digest and cause', () => {
    const cause = new Error('reset by peer');
    const e = toCopyError(cause, 'copy-blob', 'destination', 'team/app', D);
    assert.ok(e instanceof CopyError);
    assert.equal(e.name, 'CopyError');
    assert.equal(e.message, `copying blob ${D} (destination): reset by peer`);
    assert.equal(e.op, 'copy-blob');
    assert.equal(e.origin, 'destination');
    assert.equal(e.ref, 'team/app');
    assert.equal(e.digest, D);
    assert.equal(e.cause, cause);
    assert.equal(e.retryable, false);
  });

  it('names the operation (its first dash a space) and the reference for anything but a blob', () => {
    const e = toCopyError(new Error('boom'), 'fetch-manifest', 'source', 'reg.io/a/b:v1');
    assert.equal(e.message, 'fetch manifest reg.io/a/b:v1 (source): boom');
    assert.equal(e.digest, undefined);
    assert.equal(toCopyError('text', 'check-target', 'destination', 'x:1').message, 'check target x:1 (destination): text');
  });

  it('says "copying blob" with an empty digest rather than "undefined" when none is known', () => {
    assert.equal(toCopyError(new Error('x'), 'copy-blob', 'source', 'a').message, 'copying blob  (source): x');
  });

  it('returns a CopyError unchanged (its first wrapping is the one that knows the side)', () => {
    const first = new CopyError('NETWORK', 'copy-blob', 'source', 'a', 'first', D);
    assert.equal(toCopyError(first, 'push-manifest', 'destination', 'b'), first);
  });
});
