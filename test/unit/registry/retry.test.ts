import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRetryAfter } from '../../../lib/registry/retry.js';

describe('parseRetryAfter (a header the registry controls)', () => {
  const now = Date.parse('Tue, 01 Dec 2026 00:00:00 GMT');

  it('reads whole seconds, around spaces, of any number of digits', () => {
    assert.equal(parseRetryAfter('12', now), 12_000);
    assert.equal(parseRetryAfter(' 12 ', now), 12_000);
  });
  // invariant: digits followed or preceded by anything else are not seconds
  it('refuses digits with a suffix, and reads a date ending in digits as a date', () => {
    assert.equal(parseRetryAfter('12abc', now), undefined);
    assert.equal(parseRetryAfter('Tue, 01 Dec 2026 00:00:10 +0000', now), 10_000);
  });
  it('waits until an HTTP date in the future, and not at all for one in the past', () => {
    assert.equal(parseRetryAfter('Tue, 01 Dec 2026 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Mon, 30 Nov 2026 23:59:00 GMT', now), 0);
  });
});
