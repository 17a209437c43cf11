import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wantsLookahead } from '../../../lib/cli/context.js';
import { LOOKAHEAD_MIN_PING_MS } from '../../../lib/util/limits.js';

describe('wantsLookahead (images read their manifests ahead across a WAN)', () => {
  it('is on without --routines when the slowest ping took LOOKAHEAD_MIN_PING_MS or more', () => {
    assert.equal(wantsLookahead(undefined, LOOKAHEAD_MIN_PING_MS), true);
    assert.equal(wantsLookahead(undefined, 300), true);
  });
  it('is off nearer, before any ping, and whenever --routines is given', () => {
    assert.equal(wantsLookahead(undefined, LOOKAHEAD_MIN_PING_MS - 0.1), false);
    assert.equal(wantsLookahead(undefined, undefined), false);
    assert.equal(wantsLookahead(16, 300), false);
    assert.equal(wantsLookahead(1, LOOKAHEAD_MIN_PING_MS), false);
  });
});
