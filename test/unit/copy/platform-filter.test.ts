import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CopyError } from '../../../lib/copy/index.js';
import { filterPlatforms, platformMatches } from '../../../lib/copy/platform-filter.js';
import { MediaType, parseManifest, type Manifest } from '../../../lib/oci/index.js';

const digestOf = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const entry = (n: number, platform?: string, annotations?: Record<string, string>) => {
  const [os, architecture, variant] = (platform ?? '').split('/');
  return {
    mediaType: MediaType.ociManifest,
    digest: digestOf(n),
    size: 100 + n,
    ...(platform ? { platform: { os, architecture, ...(variant ? { variant } : {}) } } : {}),
    ...(annotations ? { annotations } : {}),
  };
};
const indexOf = (manifests: object[]): Manifest =>
  parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests })), MediaType.ociIndex);
const attestation = (n: number, of: number, type = 'attestation-manifest') =>
  entry(n, 'unknown/unknown', { 'vnd.docker.reference.type': type, 'vnd.docker.reference.digest': digestOf(of) });
const kept = (m: Manifest) => (m.kind === 'index' ? m.manifests.map((d) => d.digest) : []);

describe('platform filter', () => {
  it('gives a variant-less arm64 entry the v8 variant, and no other architecture any', () => {
    assert.equal(platformMatches('linux/arm64/v8', 'linux/arm64'), true);
    assert.equal(platformMatches('linux/arm/v8', 'linux/arm'), false);
    assert.equal(platformMatches('linux/amd64/v8', 'linux/amd64'), false);
  });

  it('keeps an attestation only when it is one and describes a kept image', () => {
    const index = indexOf([
      entry(1, 'linux/amd64'),
      entry(2, 'linux/arm64'),
      attestation(3, 1),
      attestation(4, 2),
      attestation(5, 1, 'sbom-manifest'),
      entry(6, 'unknown/unknown', { 'vnd.docker.reference.digest': digestOf(1) }),
    ]);
    assert.deepEqual(kept(filterPlatforms(index, ['linux/amd64'], 'r/a:v1')), [digestOf(1), digestOf(3)]);
  });

  it('names the platforms the image has, entries without one left out, when none is wanted', () => {
    const refuse = (manifests: object[]) => () => filterPlatforms(indexOf(manifests), ['windows/amd64', 'linux/s390x'], 'src/a:v1');
    const has = (list: string) => (err: unknown) => {
      assert.ok(err instanceof CopyError, String(err));
      assert.deepEqual([err.code, err.op, err.origin, err.ref], ['PLATFORM_NOT_FOUND', 'resolve', 'source', 'src/a:v1']);
      assert.equal(err.message, `src/a:v1 has none of the platforms windows/amd64, linux/s390x (it has: ${list})`);
      return true;
    };
    assert.throws(refuse([entry(1, 'linux/amd64'), entry(2), entry(3, 'linux/arm/v7')]), has('linux/amd64, linux/arm/v7'));
    assert.throws(refuse([entry(1), entry(2)]), has('none'));
  });
});
