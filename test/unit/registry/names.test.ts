import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiHost, isValidRepository, isValidTag, shownNames } from '../../../lib/registry/index.js';
import { shownName } from '../../../lib/registry/names.js';

describe('isValidTag (distribution grammar: [\\w][\\w.-]{0,127})', () => {
  it('accepts word characters, dots and dashes after a word character, up to 128 in all', () => {
    for (const tag of ['v1', 'latest', '1.2.3-rc_4', 'A', '_x', 'a'.repeat(128)]) assert.equal(isValidTag(tag), true, tag);
  });

  // invariant: a listed name that could escape a path, a query or a log line is never used as a tag
  it('refuses a leading dot or dash, other characters, an empty name, 129 characters, a non-string', () => {
    for (const tag of ['', '.hidden', '-x', 'a/b', 'a b', 'v1\n', 'a:b', 'a'.repeat(129)]) assert.equal(isValidTag(tag), false, JSON.stringify(tag));
    assert.equal(isValidTag(123), false, 'a number from a JSON tag list');
  });
});

describe('isValidRepository (lowercase components joined by /, at most 255 characters)', () => {
  it('accepts components separated by ".", "_", "__" or dashes', () => {
    for (const name of ['nginx', 'library/nginx', 'a.b', 'a_b', 'a__b', 'a--b', 'my-app/sub.dir/x_y', 'ab1', 'a'.repeat(255)])
      assert.equal(isValidRepository(name), true, name);
  });

  // invariant: a repository name is one path under /v2/: no leading/trailing separator, no upper case, no ..
  it('refuses separators at either end of a component, upper case, empty components, 256 characters', () => {
    for (const name of ['-abc', '_abc', '.abc', 'abc-', 'abc.', 'Abc', 'library/-x', 'library/', '/x', 'a//b', '..', 'a/../b', 'a___b', 'a'.repeat(256)])
      assert.equal(isValidRepository(name), false, name);
  });

  // invariant: a catalog entry that is not a string is refused, never thrown on
  it('refuses non-strings from a JSON catalog without throwing', () => {
    for (const name of [['abc'], 42, null, { length: 1 }]) assert.equal(isValidRepository(name), false, JSON.stringify(name));
  });
});

describe('shownNames / shownName: hostile names as they may appear in a message', () => {
  it('quotes up to five names and counts the rest', () => {
    assert.equal(shownNames(['a', 'b', 'c', 'd', 'e']), '"a", "b", "c", "d", "e"');
    assert.equal(shownNames(['a', 'b', 'c', 'd', 'e', 'f', 'g']), '"a", "b", "c", "d", "e" and 2 more');
    assert.equal(shownNames(['a', 'b', 'c', 'd', 'e', 'f']), '"a", "b", "c", "d", "e" and 1 more');
    assert.equal(shownNames(['..']), '".."');
  });

  it('escapes quotes and control characters, cuts at 100, and shows non-strings as JSON', () => {
    assert.equal(shownName('a"b\u001b[31m'), '"a\\"b\\u001b[31m"');
    assert.equal(shownName('x'.repeat(300)), JSON.stringify('x'.repeat(100)));
    assert.equal(shownName(42), '42');
    assert.equal(shownName(undefined), 'undefined');
  });
});

describe('apiHost (registry profiles)', () => {
  // invariant: docker.io images are fetched from Docker Hub's API host, every other registry from itself
  it('maps docker.io to registry-1.docker.io and leaves other registries alone', () => {
    assert.equal(apiHost('docker.io'), 'registry-1.docker.io');
    assert.equal(apiHost('ghcr.io'), 'ghcr.io');
    assert.equal(apiHost('127.0.0.1:5000'), '127.0.0.1:5000');
  });
});
