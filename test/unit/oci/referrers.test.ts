import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cosignTag, referrersTag } from '../../../lib/oci/index.js';

describe('referrersTag', () => {
  it('refuses what is not a digest, quoting it', () => {
    for (const text of ['latest', 'sha256:', ':abc']) {
      assert.throws(() => referrersTag(text), { name: 'TypeError', message: `not a digest: ${text}` });
    }
    assert.throws(() => cosignTag('v1', 'sig'), { message: 'not a digest: v1' });
  });
});
