import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canMount, canResume, type ImageTarget, PushAbandoned } from '../../../lib/oci/index.js';

describe('PushAbandoned', () => {
  it("says the target stopped reading and why, keeping the target's error as the cause", () => {
    const why = new Error('POST /v2/a/blobs/uploads/: 403 denied');
    const err = new PushAbandoned(why);
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'PushAbandoned');
    assert.equal(err.message, 'the target stopped reading the blob: POST /v2/a/blobs/uploads/: 403 denied');
    assert.equal(err.cause, why);
  });

  it('describes a cause that is not an Error (a string, undefined, null) without throwing', () => {
    assert.equal(new PushAbandoned('gone').message, 'the target stopped reading the blob: gone');
    assert.equal(new PushAbandoned(undefined).message, 'the target stopped reading the blob: undefined');
    assert.equal(new PushAbandoned(null).message, 'the target stopped reading the blob: null');
  });
});

describe('target capabilities', () => {
  const plain = {
    registry: 'reg.io',
    repository: 'a',
    resolve: async () => undefined,
    hasBlob: async () => false,
    pushBlob: async () => {},
    pushManifest: async () => {},
  } satisfies ImageTarget;

  it('canMount: only a target with a mountBlob method mounts across repositories', () => {
    assert.equal(canMount(plain), false);
    assert.equal(canMount({ ...plain, mountBlob: async () => true } as ImageTarget), true);
    assert.equal(canMount({ ...plain, mountBlob: true } as unknown as ImageTarget), false);
  });

  it('canResume: only a target with an appendChunk method uploads in resumable chunks', () => {
    assert.equal(canResume(plain), false);
    assert.equal(canResume({ ...plain, appendChunk: async () => ({ location: '/u', offset: 0 }) } as ImageTarget), true);
    assert.equal(canResume({ ...plain, appendChunk: 'yes' } as unknown as ImageTarget), false);
  });
});
