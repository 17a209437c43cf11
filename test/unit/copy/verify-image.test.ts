import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlobCoordinator, CopyError, copyImage, verifyImage } from '../../../lib/copy/index.js';
import { MediaType, sha256Digest } from '../../../lib/oci/index.js';
import type { TransferTask } from '../../../lib/planner/index.js';
import { RegistryError } from '../../../lib/registry/index.js';
import { TaskResult } from '../../../lib/report/index.js';
import { transferOne } from '../../../lib/usecases/index.js';
import { MAX_INDEX_DEPTH, MAX_MANIFESTS_PER_IMAGE } from '../../../lib/util/limits.js';
import {
  assertSignalsFollow,
  httpFailure,
  imageManifestBytes,
  inFlight,
  seedIndexOf,
  seedNestedIndexes,
  seedPlainImage,
  seedWideIndex,
  spyCalls,
  type SpiedCall,
} from '../../support/copy-fixtures.js';
import { MemoryRegistry, type MemoryRepository } from '../../support/memory-registry.js';

/** One config and one layer: `blobs` are [config, layer]. */
function seedImage(repo: MemoryRepository, tag: string | undefined, seed: string): { digest: string; bytes: Buffer; blobs: string[] } {
  const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: seed }));
  const layer = Buffer.alloc(700, seed);
  const bytes = imageManifestBytes(config, layer);
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
    for (const child of image.children) assert.ok(dst.calls.includes(`HEAD manifest b:${child.digest}`), child.digest);
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
      assert.ok(err instanceof CopyError, String(err));
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

/** The same image under a:v1 on the source and b:v1 on the target, seeded by `seed` on both. */
function both(seed: (repo: MemoryRepository) => unknown) {
  const src = new MemoryRegistry('src');
  const dst = new MemoryRegistry('dst');
  seed(src.repo('a'));
  seed(dst.repo('b'));
  return { src, dst };
}

describe('verifyImage: contracts', () => {
  it('every request carries a signal that follows the caller', async () => {
    const { src, dst } = await copied();
    const extra = seedImage(dst.repo('b'), undefined, 'sig').digest;
    const calls: SpiedCall[] = [];
    const caller = new AbortController();
    const r = await verifyImage(spyCalls(src.repo('a'), calls), 'v1', spyCalls(dst.repo('b'), calls), 'v1', {
      deep: true,
      extraDigests: [extra],
      signal: caller.signal,
    });
    assert.equal(r.status, 'verified');
    assert.deepEqual([...new Set(calls.map((c) => c.method))].sort(), ['fetchManifest', 'hasBlob', 'resolve']);
    assertSignalsFollow(calls, caller);
  });

  it('a failed source HEAD throws naming the source tag', async () => {
    const { src, dst } = await copied();
    const source = src.repo('a');
    source.resolve = () => Promise.reject(httpFailure(500, 'src'));
    await assert.rejects(verifyImage(source, 'v1', dst.repo('b'), 'v1'), (err: unknown) => {
      assert.ok(err instanceof CopyError, String(err));
      assert.deepEqual([err.code, err.op, err.origin, err.ref], ['REGISTRY_ERROR', 'resolve', 'source', 'src/a:v1']);
      return true;
    });
  });

  it('reports a source tag that is gone as expected present', async () => {
    const { src, dst } = await copied();
    src.tagsOf('a').delete('v1');
    const r = await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1');
    assert.deepEqual(r, { status: 'mismatch', checked: 2, mismatches: [{ reference: 'src/a:v1', expected: 'present', what: 'tag' }] });
  });

  it('a failed GET of the target root throws; a root that is no manifest throws too', async () => {
    const { src, dst, image } = await copied();
    const target = dst.repo('b');
    target.fetchManifest = () => Promise.reject(httpFailure(500, 'dst'));
    await assert.rejects(verifyImage(src.repo('a'), 'v1', target, 'v1'), (err: unknown) => {
      assert.ok(err instanceof CopyError, String(err));
      assert.deepEqual([err.code, err.op, err.origin, err.ref, err.digest], ['REGISTRY_ERROR', 'check-target', 'destination', 'dst/b:v1', image.digest]);
      return true;
    });
    const junk = Buffer.from('{"schemaVersion":2}');
    const digest = dst.repo('b').seed('junk', { bytes: junk, mediaType: MediaType.ociIndex });
    await assert.rejects(verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'junk', { expectedDigest: digest }), (err: unknown) => {
      assert.ok(err instanceof CopyError, String(err));
      assert.deepEqual([err.op, err.origin, err.ref, err.digest], ['check-target', 'destination', 'dst/b:junk', digest]);
      return true;
    });
  });

  it(`deep: walks indexes nested ${MAX_INDEX_DEPTH} deep and refuses one level more`, async () => {
    const ok = both((repo) => seedNestedIndexes(repo, 'v1', MAX_INDEX_DEPTH - 1));
    assert.equal((await verifyImage(ok.src.repo('a'), 'v1', ok.dst.repo('b'), 'v1', { deep: true })).status, 'verified');
    const deep = both((repo) => seedNestedIndexes(repo, 'v1', MAX_INDEX_DEPTH));
    await assert.rejects(verifyImage(deep.src.repo('a'), 'v1', deep.dst.repo('b'), 'v1', { deep: true }), (err: unknown) => {
      assert.ok(err instanceof CopyError, String(err));
      assert.deepEqual([err.code, err.op, err.origin], ['MANIFEST_INVALID', 'check-target', 'destination']);
      assert.equal(err.ref, `dst/b@${err.digest}`);
      assert.equal(err.message, `${err.ref}: indexes nested more than ${MAX_INDEX_DEPTH} deep`);
      return true;
    });
  });

  it(`deep: reads ${MAX_MANIFESTS_PER_IMAGE} child manifests and refuses one more`, async () => {
    const ok = both((repo) => seedWideIndex(repo, 'v1', MAX_MANIFESTS_PER_IMAGE));
    const r = await verifyImage(ok.src.repo('a'), 'v1', ok.dst.repo('b'), 'v1', { deep: true });
    assert.deepEqual([r.status, r.checked], ['verified', 2 + MAX_MANIFESTS_PER_IMAGE + 2]);
    const big = both((repo) => seedWideIndex(repo, 'v1', MAX_MANIFESTS_PER_IMAGE + 1));
    await assert.rejects(verifyImage(big.src.repo('a'), 'v1', big.dst.repo('b'), 'v1', { deep: true }), (err: unknown) => {
      assert.ok(err instanceof CopyError, String(err));
      assert.equal(err.code, 'MANIFEST_INVALID');
      assert.equal(err.message, `${err.ref}: more than ${MAX_MANIFESTS_PER_IMAGE} manifests in one image`);
      return true;
    });
  });

  it('an image root is checked with no blob HEAD unless deep', async () => {
    const { src, dst } = both((repo) => seedImage(repo, 'v1', 'solo'));
    const r = await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1');
    assert.deepEqual(r, { status: 'verified', checked: 2, mismatches: [] });
    assert.equal(dst.count('HEAD blob'), 0);
    assert.equal((await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { deep: true })).checked, 4);
  });

  it('checks a blob or child manifest listed twice once', async () => {
    const { src, dst } = both((repo) => {
      const shared = Buffer.alloc(400, 'shared');
      const one = seedPlainImage(repo, undefined, 'one', [shared]);
      const two = seedPlainImage(repo, undefined, 'two', [shared]);
      seedIndexOf(repo, 'v1', [{ digest: one }, { digest: two }, { digest: one }]);
    });
    const deep = await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { deep: true });
    assert.deepEqual([deep.status, deep.checked], ['verified', 2 + 2 + 3]);
    assert.equal(dst.count('HEAD blob'), 3, 'two configs and the shared layer');
    assert.equal(dst.count('GET manifest'), 3, 'the root and two children');
    dst.calls.length = 0;
    const shallow = await verifyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1');
    assert.deepEqual([shallow.status, shallow.checked], ['verified', 2 + 2]);
    assert.equal(dst.count('HEAD manifest b:sha256:'), 2);
  });

  it('reports what a HEAD by digest answered when it names another manifest', async () => {
    const { src, dst, image } = await copied();
    const target = dst.repo('b');
    const head = target.resolve.bind(target);
    const child = image.children[0]!.digest;
    const other = image.children[1]!.digest;
    target.resolve = (ref, o) => head(ref === child ? other : ref, o);
    const r = await verifyImage(src.repo('a'), 'v1', target, 'v1');
    assert.deepEqual(r.mismatches, [{ reference: `dst/b@${child}`, expected: child, actual: other, what: 'manifest' }]);
  });

  it('keeps `concurrency` requests in flight (default 8, at least 1)', async () => {
    const maxInFlight = async (concurrency?: number): Promise<number> => {
      const { src, dst } = both((repo) => seedWideIndex(repo, 'v1', 12));
      const target = dst.repo('b');
      const gate = inFlight(target.resolve.bind(target));
      target.resolve = gate.fn;
      await verifyImage(src.repo('a'), 'v1', target, 'v1', concurrency === undefined ? {} : { concurrency });
      return gate.max();
    };
    assert.equal(await maxInFlight(), 8);
    assert.equal(await maxInFlight(3), 3);
    assert.equal(await maxInFlight(0), 1);
  });
});
