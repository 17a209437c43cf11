import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { DigestMismatchError, DigestVerifier, MediaType, manifestBlobs, ManifestError, parseManifest, sha256Digest } from '../../../lib/oci/index.js';

const desc = (n: number, mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip') => ({
  mediaType,
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: n * 100,
});
const bytes = (o: unknown, indent?: number) => Buffer.from(JSON.stringify(o, null, indent));

describe('parseManifest', () => {
  it('keeps the bytes and digests them as received (no re-serialisation)', () => {
    const body = bytes({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: desc(1), layers: [desc(2), desc(3)] }, 3);
    const m = parseManifest(body, MediaType.ociManifest);
    assert.equal(m.kind, 'image');
    assert.equal(m.digest, sha256Digest(body));
    assert.equal(m.bytes, body);
    assert.deepEqual(
      manifestBlobs(m).map((d) => d.size),
      [100, 200, 300],
    );
  });

  it('recognises Docker v2, lists, OCI indexes and schema 1', () => {
    const docker = parseManifest(bytes({ schemaVersion: 2, mediaType: MediaType.dockerManifest, config: desc(1), layers: [] }), MediaType.dockerManifest);
    assert.equal(docker.mediaType, MediaType.dockerManifest);
    const list = parseManifest(
      bytes({
        schemaVersion: 2,
        mediaType: MediaType.dockerList,
        manifests: [{ ...desc(4), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }],
      }),
    );
    assert.equal(list.kind, 'index');
    const index = parseManifest(bytes({ schemaVersion: 2, manifests: [desc(5)] }), 'application/json');
    assert.equal(index.kind, 'index');
    assert.equal(index.mediaType, MediaType.ociIndex);
    const s1 = parseManifest(bytes({ schemaVersion: 1, fsLayers: [{ blobSum: desc(6).digest }, { blobSum: desc(6).digest }] }), MediaType.dockerSchema1Signed);
    assert.equal(s1.kind, 'schema1');
    assert.equal(manifestBlobs(s1).length, 1);
  });

  it('skips foreign layers (urls) when listing blobs', () => {
    const m = parseManifest(bytes({ schemaVersion: 2, config: desc(1), layers: [{ ...desc(2), urls: ['https://x'] }, desc(3)] }), MediaType.dockerManifest);
    assert.deepEqual(
      manifestBlobs(m).map((d) => d.size),
      [100, 300],
    );
  });

  it('rejects junk with a ManifestError', () => {
    assert.throws(() => parseManifest(Buffer.from('not json')), ManifestError);
    assert.throws(() => parseManifest(bytes({ schemaVersion: 2, config: { digest: 'x' }, layers: [] }), MediaType.ociManifest), /malformed/);
    assert.throws(() => parseManifest(bytes({ schemaVersion: 3 }), 'application/vnd.unknown'), ManifestError);
  });
});

describe('DigestVerifier', () => {
  const data = Buffer.alloc(300_000, 7);
  const digest = sha256Digest(data);
  const sink = async (stream: Readable) => {
    let n = 0;
    for await (const c of stream) n += (c as Buffer).length;
    return n;
  };

  it('passes matching content through', async () => {
    const v = new DigestVerifier({ digest, size: data.length });
    const [, n] = await Promise.all([pipeline(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), v), sink(v)]);
    assert.equal(n, data.length);
  });

  it('fails before end-of-stream on a digest or size mismatch', async () => {
    const bad = Buffer.from(data);
    bad[5] = 8;
    for (const [input, size] of [
      [bad, data.length],
      [data.subarray(1), data.length],
      [data, data.length - 1],
    ] as const) {
      const v = new DigestVerifier({ digest, size });
      let ended = false;
      v.on('end', () => (ended = true));
      await assert.rejects(Promise.all([pipeline(Readable.from([input]), v), sink(v)]), DigestMismatchError);
      assert.equal(ended, false);
    }
  });
});
