import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COSIGN_ARTIFACT_TYPES, cosignArtifactTypes, mergeReferrersIndex, selectsArtifactType } from '../../../lib/copy/index.js';
import { MediaType, type Descriptor, type RawManifest } from '../../../lib/oci/index.js';

const desc = (digest: string): Descriptor => ({ mediaType: MediaType.ociManifest, digest, size: 1 });
const digestsOf = (m: RawManifest | undefined) => (JSON.parse(Buffer.from(m!.bytes).toString()) as { manifests: Descriptor[] }).manifests.map((d) => d.digest);
const rawJson = (json: unknown): RawManifest => ({ bytes: Buffer.from(JSON.stringify(json)), mediaType: MediaType.ociIndex });

describe('referrers selection', () => {
  it("names cosign's three artifact types exactly (they are the --artifact-type values users pass)", () => {
    assert.deepEqual(COSIGN_ARTIFACT_TYPES, {
      sig: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      att: 'application/vnd.dsse.envelope.v1+json',
      sbom: 'application/vnd.dev.cosign.artifact.sbom.v1+json',
    });
  });

  it('selects a referrer when any one of its types is named', () => {
    assert.equal(selectsArtifactType(['text/spdx+json'], [COSIGN_ARTIFACT_TYPES.sbom, 'text/spdx+json']), true);
    assert.equal(selectsArtifactType(['text/spdx+json'], [undefined, 'text/spdx+json']), true);
  });

  it("skips a cosign manifest's null layers and keeps every other type it names", () => {
    const manifest = rawJson({ artifactType: 'a/x', config: { mediaType: 'c/y' }, layers: [null, { mediaType: 'text/spdx+json' }, {}] });
    assert.deepEqual(cosignArtifactTypes('sbom', manifest), [COSIGN_ARTIFACT_TYPES.sbom, 'a/x', 'c/y', 'text/spdx+json']);
  });

  it('appends new entries sorted by digest whatever order they were found in', () => {
    const digests = ['sha256:05', 'sha256:01', 'sha256:04', 'sha256:02', 'sha256:06', 'sha256:03'];
    for (const order of [digests, [...digests].reverse(), [...digests].sort()]) {
      assert.deepEqual(digestsOf(mergeReferrersIndex(undefined, order.map(desc))), [...digests].sort());
    }
  });

  it('replaces an existing body that is not a schema 2 index, and drops its entries without a digest', () => {
    assert.deepEqual(digestsOf(mergeReferrersIndex(rawJson({ schemaVersion: 1, manifests: [desc('sha256:aa')] }), [desc('sha256:bb')])), ['sha256:bb']);
    assert.deepEqual(digestsOf(mergeReferrersIndex(rawJson({ schemaVersion: 2, manifests: 'sha256:aa' }), [desc('sha256:bb')])), ['sha256:bb']);
    const messy = rawJson({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [null, { digest: 42 }, desc('sha256:aa')] });
    assert.deepEqual(digestsOf(mergeReferrersIndex(messy, [desc('sha256:bb')])), ['sha256:aa', 'sha256:bb']);
  });
});
