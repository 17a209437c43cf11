import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeControl } from '../../../lib/util/escape-control.js';

describe('escapeControl', () => {
  it('escapes C0, DEL, C1 and the Unicode line separators, and keeps everything else', () => {
    assert.equal(escapeControl('a\nb\rc\td'), 'a\\nb\\rc\\td');
    assert.equal(escapeControl('\u001b[31mred\u001b[0m \u0000 \u0007 \u007f'), '\\x1b[31mred\\x1b[0m \\x00 \\x07 \\x7f');
    assert.equal(escapeControl('\u009b2J \u0085 \u2028 \u2029'), '\\u009b2J \\u0085 \\u2028 \\u2029');
    assert.equal(escapeControl('plain ünïcødé \\n 日本 \u00a0'), 'plain ünïcødé \\n 日本 \u00a0');
  });
});
