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
    ['reg.io//a', /empty component/],
    ['reg.io/a/', /empty component/],
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

describe('parseReference: exact results and messages', () => {
  /** Asserts the InvalidReferenceError users read: its name, its whole message, and the reason alone. */
  const rejects = (input: string, reason: string) =>
    assert.throws(() => parseReference(input), {
      name: 'InvalidReferenceError',
      code: 'INVALID_REFERENCE',
      message: `invalid image reference "${input}": ${reason}`,
      input,
      reason,
    });

  it('leaves tag and digest out of the result (not present as undefined) when they are not given', () => {
    assert.deepStrictEqual(parseReference('reg.io/a'), { registry: 'reg.io', repository: 'a' });
    assert.deepStrictEqual(parseReference('reg.io/a:t'), { registry: 'reg.io', repository: 'a', tag: 't' });
    assert.deepStrictEqual(parseReference(`reg.io/a@${D}`), { registry: 'reg.io', repository: 'a', digest: D });
    assert.deepStrictEqual(Object.keys(parseReference('nginx')), ['registry', 'repository']);
  });

  it('ignores surrounding whitespace (pasted references), and the error quotes the input as given', () => {
    assert.deepStrictEqual(parseReference('  reg.io/a:t \n'), { registry: 'reg.io', repository: 'a', tag: 't' });
    rejects(' reg.io/A ', 'repository component "A" must be lowercase letters, digits and single separators (. _ __ -)');
  });

  it('a lone component is a Docker Hub repository even with a dot or named localhost (a host needs a path after it)', () => {
    assert.deepStrictEqual(parseReference('my.repo'), { registry: 'docker.io', repository: 'library/my.repo' });
    assert.deepStrictEqual(parseReference('localhost'), { registry: 'docker.io', repository: 'library/localhost' });
    assert.deepStrictEqual(parseReference('localhost:5000'), { registry: 'docker.io', repository: 'library/localhost', tag: '5000' });
  });

  it('takes localhost, a port, a dot or an IPv6 literal as the registry', () => {
    assert.equal(parseReference('localhost/a').registry, 'localhost');
    assert.equal(parseReference('reghost:5000/a').registry, 'reghost:5000');
    assert.equal(parseReference('reg.io/a').registry, 'reg.io');
    assert.deepStrictEqual(parseReference('[::1]:5000/a:t'), { registry: '[::1]:5000', repository: 'a', tag: 't' });
    assert.deepStrictEqual(parseReference('[fd00::1]/a'), { registry: '[fd00::1]', repository: 'a' });
    assert.equal(parseReference('ns/a').registry, 'docker.io');
  });

  it('names a registry host no URL can hold (bad characters, a port above 65535, brackets without an IPv6 address)', () => {
    rejects('bad_host.io/a', '"bad_host.io" is not a valid registry host[:port]');
    rejects('reg.io:99999/a', '"reg.io:99999" is not a valid registry host[:port]');
    rejects('[abcd]/a', '"[abcd]" is not a valid registry host[:port]');
    rejects('[::1/a', '"[::1" is not a valid registry host[:port]');
  });

  it('a digest after "@" (with or without a tag), and "@" with no repository before it is an empty repository', () => {
    assert.deepStrictEqual(parseReference(`nginx@${D}`), { registry: 'docker.io', repository: 'library/nginx', digest: D });
    rejects(`@${D}`, 'the repository name is missing or has an empty component (nothing before "@" or ":", or a "/" doubled or at an end)');
  });

  it('refuses "." and ".." components with their own message', () => {
    rejects('reg.io/a/./b', 'path components "." and ".." are not allowed');
    rejects('reg.io/../b', 'path components "." and ".." are not allowed');
  });

  it('accepts a repository of exactly 255 characters and refuses 256', () => {
    const at = (n: number) => `reg.io/${'a'.repeat(n - 2)}/b`;
    assert.equal(parseReference(at(255)).repository.length, 255);
    rejects(at(256), 'repository name is longer than 255 characters');
    // Docker Hub's implicit "library/" counts
    assert.equal(parseReference('a'.repeat(247)).repository.length, 255);
    rejects('a'.repeat(248), 'repository name is longer than 255 characters');
  });
});
