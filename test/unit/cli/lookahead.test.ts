import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lookaheadSwitch, wantsLookahead } from '../../../lib/cli/context.js';
import { LOOKAHEAD_MIN_RTT_MS } from '../../../lib/util/limits.js';

describe('wantsLookahead (images read their manifests ahead across a WAN)', () => {
  it('is on without --routines when the slowest round trip is LOOKAHEAD_MIN_RTT_MS or more', () => {
    assert.equal(wantsLookahead(undefined, LOOKAHEAD_MIN_RTT_MS), true);
    assert.equal(wantsLookahead(undefined, 300), true);
  });
  it('is off nearer, before any answer, and whenever --routines is given', () => {
    assert.equal(wantsLookahead(undefined, LOOKAHEAD_MIN_RTT_MS - 0.1), false);
    assert.equal(wantsLookahead(undefined, undefined), false);
    assert.equal(wantsLookahead(16, 300), false);
    assert.equal(wantsLookahead(1, LOOKAHEAD_MIN_RTT_MS), false);
  });
});

describe('lookaheadSwitch (the switch reviewed as answers come back)', () => {
  it('follows the slowest round trip seen so far: a slow ping turns it on, quicker answers off again', () => {
    const calls: boolean[] = [];
    const lines: string[] = [];
    let slowest: number | undefined = 35;
    const review = lookaheadSwitch({ setLookahead: (on) => void calls.push(on) }, undefined, () => slowest, { debug: (l) => void lines.push(l) });
    review();
    review();
    slowest = 2;
    review();
    assert.deepEqual(calls, [true, false], 'set on a change only');
    assert.deepEqual(lines, ['slowest registry round trip 35 ms: manifests read ahead on', 'slowest registry round trip 2 ms: manifests read ahead off']);
  });
  it('stays off with --routines, and before any answer sets it off once without a log line', () => {
    const calls: boolean[] = [];
    const lines: string[] = [];
    lookaheadSwitch({ setLookahead: (on) => void calls.push(on) }, 16, () => 300, { debug: (l) => void lines.push(l) })();
    lookaheadSwitch({ setLookahead: (on) => void calls.push(on) }, undefined, () => undefined, { debug: (l) => void lines.push(l) })();
    assert.deepEqual(calls, [false, false]);
    assert.equal(lines.length, 1);
  });
});
