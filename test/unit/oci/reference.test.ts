import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatReference, parseReference, InvalidReferenceError } from '../../../lib/oci/index.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  const cases: Array<[string, string, string, string | undefined, string | undefined]> = [
    ['nginx', 'docker.io', 'library/nginx', undefined, undefined],
    ['nginx:1.25', 'docker.io', 'library/nginx', '1.25', undefined],
    ['library/nginx:latest', 'docker.io', 'library/nginx', 'latest', undefined],
    ['docker.io/nginx', 'docker.io', 'library/nginx', undefined, undefined],
    ['index.docker.io/library/nginx:1', 'docker.io', 'library/nginx', '1', undefined],
    ['registry.hub.docker.com/bitnami/redis:7', 'docker.io', 'bitnami/redis', '7', undefined],
    ['localhost:5000/repo:t', 'localhost:5000', 'repo', 't', undefined],
    ['localhost/repo', 'localhost', 'repo', undefined, undefined],
    ['127.0.0.1:5000/repo:t', '127.0.0.1:5000', 'repo', 't', undefined],
    ['reg.io/ns/sub/repo:t', 'reg.io', 'ns/sub/repo', 't', undefined],
    [`reg.io/ns/repo@${D}`, 'reg.io', 'ns/repo', undefined, D],
    [`reg.io/ns/repo:v1@${D}`, 'reg.io', 'ns/repo', 'v1', D],
    ['Reg.IO:443/a/b', 'reg.io:443', 'a/b', undefined, undefined],
  ];
  for (const [input, registry, repository, tag, digest] of cases) {
    it(`parses ${input}`, () => {
      const ref = parseReference(input);
      assert.deepEqual([ref.registry, ref.repository, ref.tag, ref.digest], [registry, repository, tag, digest]);
    });
  }

  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['http://reg.io/a', /scheme/],
    ['reg.io/UPPER/x', /lowercase/],
    ['reg.io/a/../b', /"\.\."/],
    [`reg.io/a:${'t'.repeat(129)}`, /tag/],
    ['reg.io/a@sha256:xyz', /not a digest/],
    ['reg.io/a:v1,v2', /tag "v1,v2"/],
    ['reg.io//a', /component ""/],
  ];
  for (const [input, reason] of bad) {
    it(`rejects ${JSON.stringify(input.slice(0, 40))}`, () => {
      assert.throws(
        () => parseReference(input),
        (err: unknown) => err instanceof InvalidReferenceError && reason.test(err.message),
      );
    });
  }

  it('round-trips through formatReference', () => {
    for (const [input] of cases) {
      const ref = parseReference(input);
      assert.deepEqual(parseReference(formatReference(ref)), ref);
    }
  });
});
