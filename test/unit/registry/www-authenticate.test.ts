import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWwwAuthenticate } from '../../../lib/registry/index.js';

describe('parseWwwAuthenticate: hostile or sloppy challenges', () => {
  // invariant: whitespace and stray commas before a challenge do not hide it
  it('skips leading whitespace and commas', () => {
    assert.deepEqual(parseWwwAuthenticate(' ,\t Bearer realm="https://auth.example/token"'), [
      { scheme: 'bearer', params: { realm: 'https://auth.example/token' } },
    ]);
  });

  // invariant: spaces around the comma between two parameters are allowed (RFC 7235 BWS)
  it('reads every parameter when spaces surround the separating comma', () => {
    assert.deepEqual(parseWwwAuthenticate('Bearer realm="r" , service="s",scope="repository:a:pull"'), [
      { scheme: 'bearer', params: { realm: 'r', service: 's', scope: 'repository:a:pull' } },
    ]);
  });

  // invariant: a parameter is not eaten when the registry leaves out the comma before it
  it('reads parameters that are separated by a space only', () => {
    assert.deepEqual(parseWwwAuthenticate('Bearer realm="r" service="s"'), [{ scheme: 'bearer', params: { realm: 'r', service: 's' } }]);
  });

  it('reads two challenges and lower-cases scheme and parameter names', () => {
    assert.deepEqual(parseWwwAuthenticate('Basic Realm="b", Bearer realm="r",error="insufficient_scope"'), [
      { scheme: 'basic', params: { realm: 'b' } },
      { scheme: 'bearer', params: { realm: 'r', error: 'insufficient_scope' } },
    ]);
  });

  // invariant: an unterminated quoted value ends at the end of the header (the parse terminates)
  it('ends an unterminated quoted value, and a trailing backslash in it, at the end of the header', () => {
    assert.deepEqual(parseWwwAuthenticate('Bearer realm="https://a/t'), [{ scheme: 'bearer', params: { realm: 'https://a/t' } }]);
    assert.deepEqual(parseWwwAuthenticate('Bearer realm="ab\\'), [{ scheme: 'bearer', params: { realm: 'ab' } }]);
    assert.deepEqual(parseWwwAuthenticate('Bearer realm="a\\"b"'), [{ scheme: 'bearer', params: { realm: 'a"b' } }]);
  });

  it('returns no challenge for an absent or empty header', () => {
    assert.deepEqual(parseWwwAuthenticate(undefined), []);
    assert.deepEqual(parseWwwAuthenticate(''), []);
    assert.deepEqual(parseWwwAuthenticate(' , '), []);
  });
});
