import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlobCoordinator, CopyError, copyImage, verifyImage } from '../../../lib/copy/index.js';
import { MediaType, sha256Digest } from '../../../lib/oci/index.js';
import type { TransferTask } from '../../../lib/planner/index.js';
import { RegistryError } from '../../../lib/registry/index.js';
import { TaskResult } from '../../../lib/report/index.js';
import { transferOne } from '../../../lib/usecases/index.js';
import { MemoryRegistry, type MemoryRepository } from '../../support/memory-store.js';

const d = (b: Buffer, mediaType: string) => ({ mediaType, digest: sha256Digest(b), size: b.length });

/** One config and one layer: `blobs` are [config, layer]. */
function seedImage(repo: MemoryRepository, tag: string | undefined, seed: string): { digest: string; bytes: Buffer; blobs: string[] } {
  const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: seed }));
  const layer = Buffer.alloc(700, seed);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: d(config, 'application/vnd.oci.image.config.v1+json'),
      layers: [d(layer, 'application/vnd.oci.image.layer.v1.tar+gzip')],
    }),
  );
  const digest = repo.seed(tag, { bytes, mediaType: MediaType.ociManifest }, [config, layer]);
  return { digest, bytes, blobs: [sha256Digest(config), sha256Digest(layer)] };
}

/** linux/amd64 + linux/arm64 under `tag`. */
function seedIndex(repo: MemoryRepository, tag: string): { digest: string; children: Array<ReturnType<typeof seedImage>> } {
  const children = ['amd64', 'arm64'].map((arch) => seedImage(repo, undefined, arch));
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: children.map((c, i) => ({
        mediaType: MediaType.ociManifest,
        digest: c.digest,
        size: c.bytes.length,
        platform: { os: 'linux', architecture: i ? 'arm64' : 'amd64' },
      })),
    }),
  );
  return { digest: repo.seed(tag, { bytes, mediaType: MediaType.ociIndex }), children };
}

/** src a:v1 (an index) copied to dst b:v1. */
async function copied() {
  const src = new MemoryRegistry('src');
  const dst = new MemoryRegistry('dst');
  const image = seedIndex(src.repo('a'), 'v1');
  await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1');
  src.calls.length = 0;
  return { src, dst, image };
}

describe('verifyImage', () => {
  it('verifies a faithful copy with HEADs and one GET on the target, none on the source', async () => {
    const { src, dst, image } = await copied();
    dst.calls.length = 0;
    const r = await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1');
    assert.deepEqual(r, { status: 'verified', checked: 4, mismatches: [] });
    assert.deepEqual(src.calls, ['HEAD manifest a:v1']);
    assert.deepEqual(
      dst.calls.filter((c) => c.startsWith('GET')),
      ['GET manifest b:v1'],
    );
    for (const child of image.children) assert.ok(dst.calls.includes(`HEAD manifest b:${child.digest}`));
  });

  it('deep: also reads the children (hash checked) and HEADs every blob once', async () => {
    const { src, dst } = await copied();
    dst.calls.length = 0;
    const r = await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { deep: true });
    assert.equal(r.status, 'verified');
    assert.equal(r.checked, 2 + 2 + 4, 'source and target tags, two children, a config and a layer each');
    assert.equal(dst.count('HEAD blob'), 4);
    assert.equal(src.count('GET'), 0);
  });

  it('reports a target tag that names another image', async () => {
    const { src, dst, image } = await copied();
    const other = seedImage(dst.repo('b'), 'v1', 'other');
    const r = await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { deep: true });
    assert.equal(r.status, 'mismatch');
    assert.deepEqual(r.mismatches, [{ reference: 'dst/b:v1', expected: image.digest, actual: other.digest, what: 'tag' }]);
  });

  it('reports a missing target tag', async () => {
    const { src, dst, image } = await copied();
    dst.tagsOf('b').delete('v1');
    const r = await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1');
    assert.deepEqual(r.mismatches, [{ reference: 'dst/b:v1', expected: image.digest, what: 'tag' }]);
  });

  it('reports a missing child manifest', async () => {
    const { src, dst, image } = await copied();
    const arm64 = image.children[1]!.digest;
    dst.manifestsOf('b').delete(arm64);
    for (const deep of [false, true]) {
      const r = await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { deep });
      assert.deepEqual(r.mismatches, [{ reference: `dst/b@${arm64}`, expected: arm64, what: 'manifest' }], `deep: ${deep}`);
    }
  });

  it('finds a missing blob in deep mode only', async () => {
    const { src, dst, image } = await copied();
    const layer = image.children[0]!.blobs[1]!;
    dst.blobsOf('b').delete(layer);
    assert.equal((await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1')).status, 'verified');
    const deep = await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { deep: true });
    assert.equal(deep.status, 'mismatch');
    assert.deepEqual(deep.mismatches, [{ reference: `dst/b@${layer}`, expected: layer, what: 'blob' }]);
  });

  it('reports root bytes that do not hash to the tag digest', async () => {
    const { src, dst, image } = await copied();
    const tampered = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] }));
    dst.manifestsOf('b').set(image.digest, { bytes: tampered, mediaType: MediaType.ociIndex });
    const r = await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1');
    assert.deepEqual(r.mismatches, [{ reference: 'dst/b:v1', expected: image.digest, actual: sha256Digest(tampered), what: 'manifest' }]);
  });

  it('checks extra digests (referrers) on the target', async () => {
    const { src, dst } = await copied();
    const referrer = seedImage(dst.repo('b'), undefined, 'signature').digest;
    const absent = seedImage(new MemoryRegistry('x').repo('y'), undefined, 'sbom').digest;
    const ok = await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { extraDigests: [referrer] });
    assert.deepEqual([ok.status, ok.checked], ['verified', 5]);
    const r = await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { extraDigests: [referrer, absent] });
    assert.deepEqual(r.mismatches, [{ reference: `dst/b@${absent}`, expected: absent, what: 'manifest' }]);
  });

  it('compares with expectedDigest when a platform subset rewrote the index', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    const image = seedIndex(src.repo('a'), 'v1');
    const copy = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { platforms: ['linux/amd64'] });
    assert.notEqual(copy.digest, image.digest);
    const subset = await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { expectedDigest: copy.digest, sourceDigest: image.digest, deep: true });
    assert.deepEqual([subset.status, subset.checked], ['verified', 2 + 1 + 2]);
    const naive = await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1');
    assert.deepEqual(naive.mismatches, [{ reference: 'dst/b:v1', expected: image.digest, actual: copy.digest, what: 'tag' }]);
  });

  it('reports a source tag that moved since the copy read it', async () => {
    const { src, dst, image } = await copied();
    const moved = seedImage(src.repo('a'), 'v1', 'newer');
    const r = await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { expectedDigest: image.digest, sourceDigest: image.digest });
    assert.deepEqual(r.mismatches, [{ reference: 'src/a:v1', expected: image.digest, actual: moved.digest, what: 'tag' }]);
  });

  it('throws a CopyError naming the side when a request fails', async () => {
    const { src, dst } = await copied();
    const target = dst.repo('b');
    target.hasBlob = () =>
      Promise.reject(new RegistryError({ code: 'REGISTRY_NETWORK', method: 'HEAD', url: 'memory://b/blobs', detail: 'connection reset', retryable: true }));
    await assert.rejects(verifyImage(src.repo('a'), 'v1', target, 'v1', { deep: true }), (err: unknown) => {
      assert.ok(err instanceof CopyError);
      assert.equal(err.code, 'NETWORK');
      assert.equal(err.origin, 'destination');
      return true;
    });
  });
});

describe('transferOne with verify', () => {
  const task: TransferTask = {
    runId: 'run-1',
    taskId: '0123456789abcdef',
    source: { registry: 'src', repository: 'a', reference: 'v1' },
    target: { registry: 'dst', repository: 'b', reference: 'v1' },
    overwrite: 'if-changed',
    rule: { source: 'src/a:v1', target: 'dst/b:v1' },
  };
  const deps = (src: MemoryRegistry, dst: MemoryRegistry, verify?: 'off' | 'manifests' | 'deep') => ({
    repository: (registry: string, repository: string) => (registry === 'src' ? src : dst).repo(repository),
    coordinator: new BlobCoordinator(),
    blobConcurrency: 2,
    ...(verify ? { verify } : {}),
  });

  it('records the verification of a copy and of an up-to-date skip', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedIndex(src.repo('a'), 'v1');
    const first = TaskResult.parse(await transferOne(deps(src, dst, 'deep'), task));
    assert.equal(first.status, 'succeeded');
    assert.deepEqual(first.verification, { status: 'verified', mode: 'deep', checked: 8, mismatches: [] });
    const again = await transferOne(deps(src, dst, 'manifests'), task);
    assert.equal(again.status, 'skipped');
    assert.deepEqual(again.verification, { status: 'verified', mode: 'manifests', checked: 4, mismatches: [] });
    const off = await transferOne(deps(src, dst), task);
    assert.equal(off.verification, undefined);
  });

  it('turns a mismatch into a VERIFY_MISMATCH failure that names what differs', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    const image = seedIndex(src.repo('a'), 'v1');
    await transferOne(deps(src, dst), task);
    const layer = image.children[1]!.blobs[1]!;
    dst.blobsOf('b').delete(layer);
    const r = TaskResult.parse(await transferOne(deps(src, dst, 'deep'), task));
    assert.equal(r.status, 'failed');
    assert.equal(r.error?.code, 'VERIFY_MISMATCH');
    assert.equal(r.error?.origin, 'destination');
    assert.match(r.error?.message ?? '', new RegExp(`blob dst/b@${layer} is missing`));
    assert.equal(r.verification?.status, 'mismatch');
    assert.equal(r.digest, image.digest);
  });

  it('does not verify a tag left on another image on purpose (overwrite: never)', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedIndex(src.repo('a'), 'v1');
    seedImage(dst.repo('b'), 'v1', 'kept');
    const r = await transferOne(deps(src, dst, 'deep'), { ...task, overwrite: 'never' });
    assert.deepEqual([r.status, r.reason, r.verification], ['skipped', 'tag-exists', undefined]);
  });
});
