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

describe('parseManifest: what the body is taken for', () => {
  const image = { schemaVersion: 2, config: desc(1), layers: [desc(2)] };

  it('reads a known Content-Type through its parameters and spaces', () => {
    for (const header of [`${MediaType.dockerManifest}; charset=utf-8`, `${MediaType.dockerManifest} ; charset=utf-8`, ` ${MediaType.dockerManifest}`]) {
      assert.equal(parseManifest(bytes(image), header).mediaType, MediaType.dockerManifest, header);
    }
    const list = parseManifest(bytes({ schemaVersion: 2, manifests: [desc(4)] }), `${MediaType.dockerList} ;charset=utf-8`);
    assert.deepEqual([list.kind, list.mediaType], ['index', MediaType.dockerList]);
  });

  it('without a Content-Type: schema 1 signed or not by its signatures, an index by its manifests array, else an OCI image', () => {
    const fsLayers = [{ blobSum: desc(6).digest }];
    const signed = parseManifest(bytes({ schemaVersion: 1, fsLayers, signatures: [{ header: {} }] }));
    assert.deepEqual([signed.kind, signed.mediaType], ['schema1', MediaType.dockerSchema1Signed]);
    const unsigned = parseManifest(bytes({ schemaVersion: 1, fsLayers }), 'application/json');
    assert.deepEqual([unsigned.kind, unsigned.mediaType], ['schema1', MediaType.dockerSchema1]);
    const index = parseManifest(bytes({ schemaVersion: 2, manifests: [] }));
    assert.deepEqual([index.kind, index.mediaType], ['index', MediaType.ociIndex]);
    const img = parseManifest(bytes(image), 'application/json');
    assert.deepEqual([img.kind, img.mediaType], ['image', MediaType.ociManifest]);
  });

  it('takes a body with a config for an image even when its media type is unknown (kept as declared)', () => {
    const m = parseManifest(bytes({ ...image, mediaType: 'application/vnd.example.image+json' }));
    assert.deepEqual([m.kind, m.mediaType], ['image', 'application/vnd.example.image+json']);
    assert.deepEqual(manifestBlobs(m), [desc(1), desc(2)]);
  });

  it('refuses a body of an unknown media type with neither config nor manifests, naming the type', () => {
    assert.throws(() => parseManifest(bytes({ schemaVersion: 2, mediaType: 'application/vnd.example+json', blobs: [] })), {
      name: 'ManifestError',
      code: 'MANIFEST_INVALID',
      message: 'unsupported manifest media type "application/vnd.example+json"',
    });
  });
});

describe('parseManifest: bodies that are not manifests', () => {
  it('invalid JSON: a ManifestError naming it, with the parser error as cause', () => {
    assert.throws(
      () => parseManifest(Buffer.from('{"schemaVersion": 2,')),
      (err: unknown) => {
        assert.ok(err instanceof ManifestError);
        assert.equal(err.name, 'ManifestError');
        assert.equal(err.message, 'manifest is not valid JSON');
        assert.ok(err.cause instanceof SyntaxError);
        return true;
      },
    );
  });

  it('JSON that is not an object (a number, a string, true, null): "not a JSON object"', () => {
    for (const body of ['42', '"manifest"', 'true', 'null']) {
      assert.throws(() => parseManifest(Buffer.from(body), MediaType.ociManifest), { name: 'ManifestError', message: 'manifest is not a JSON object' }, body);
    }
  });

  it('a JSON array: malformed for the media type it was served as', () => {
    assert.throws(() => parseManifest(Buffer.from('[]'), MediaType.ociManifest), {
      name: 'ManifestError',
      message: /^manifest \(application\/vnd\.oci\.image\.manifest\.v1\+json\) is malformed: /,
    });
  });
});

describe('manifestBlobs', () => {
  it('schema 1: each blobSum once, in order, as an octet-stream of unknown size (-1)', () => {
    const [a, b] = [desc(6).digest, desc(7).digest];
    const m = parseManifest(bytes({ schemaVersion: 1, fsLayers: [{ blobSum: a }, { blobSum: b }, { blobSum: a }] }), MediaType.dockerSchema1);
    assert.deepStrictEqual(manifestBlobs(m), [
      { mediaType: 'application/octet-stream', digest: a, size: -1 },
      { mediaType: 'application/octet-stream', digest: b, size: -1 },
    ]);
  });

  it('an index has no blobs of its own', () => {
    assert.deepStrictEqual(manifestBlobs(parseManifest(bytes({ schemaVersion: 2, manifests: [desc(4)] }))), []);
  });
});
