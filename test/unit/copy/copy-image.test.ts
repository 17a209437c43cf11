import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlobCoordinator, CopyError, copyImage } from '../../../lib/copy/index.js';
import { MediaType, sha256Digest } from '../../../lib/oci/index.js';
import { MAX_INDEX_DEPTH, MAX_MANIFESTS_PER_IMAGE } from '../../../lib/util/limits.js';
import {
  assertSignalsFollow,
  httpFailure,
  inFlight,
  isCopyError,
  seedIndexOf,
  seedNestedIndexes,
  seedWideIndex,
  spyCalls,
  type SpiedCall,
} from '../../support/copy-fixtures.js';
import { MemoryRegistry, type MemoryRepository } from '../../support/memory-registry.js';

const layer = (seed: string, size = 1000) => Buffer.alloc(size, seed);
const d = (b: Buffer, mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip') => ({ mediaType, digest: sha256Digest(b), size: b.length });

function seedImage(repo: MemoryRepository, tag: string | undefined, layers: Buffer[], arch = 'amd64'): { digest: string; bytes: Buffer } {
  const config = Buffer.from(JSON.stringify({ architecture: arch, os: 'linux' }));
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: d(config, 'application/vnd.oci.image.config.v1+json'),
      layers: layers.map((l) => d(l)),
    }),
  );
  const digest = repo.seed(tag, { bytes, mediaType: MediaType.ociManifest }, [config, ...layers]);
  return { digest, bytes };
}

function seedIndex(repo: MemoryRepository, tag: string): string {
  const children = ['amd64', 'arm64'].map((arch) => ({ arch, ...seedImage(repo, undefined, [layer(arch)], arch) }));
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: children.map((c) => ({
        mediaType: MediaType.ociManifest,
        digest: c.digest,
        size: c.bytes.length,
        platform: { os: 'linux', architecture: c.arch },
      })),
    }),
  );
  return repo.seed(tag, { bytes, mediaType: MediaType.ociIndex });
}

describe('copyImage', () => {
  it('copies an index byte for byte: children by digest first, the tag last', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    const digest = seedIndex(src.repo('a/app'), 'v1');
    const result = await copyImage(src.repo('a/app'), 'v1', dst.repo('b/app'), 'v1');
    assert.equal(result.status, 'copied');
    assert.equal(result.digest, digest);
    assert.deepEqual(result.platforms, ['linux/amd64', 'linux/arm64']);
    assert.equal(dst.tagsOf('b/app').get('v1'), digest);
    const pushes = dst.calls.filter((c) => c.startsWith('PUT manifest'));
    assert.equal(pushes.length, 3);
    assert.equal(pushes.at(-1), 'PUT manifest b/app:v1');
    assert.ok(
      pushes.slice(0, 2).every((p) => p.includes(':sha256:')),
      'children are pushed by digest',
    );
  });

  it('skips an up-to-date target with no GET on the source', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedIndex(src.repo('a/app'), 'v1');
    await copyImage(src.repo('a/app'), 'v1', dst.repo('b/app'), 'v1');
    src.calls.length = 0;
    const again = await copyImage(src.repo('a/app'), 'v1', dst.repo('b/app'), 'v1');
    assert.equal(again.status, 'skipped');
    assert.equal(again.reason, 'up-to-date');
    assert.equal(src.count('GET'), 0);
  });

  it('leaves an existing tag alone with overwrite: never', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedImage(src.repo('a'), 'v1', [layer('x')]);
    const old = seedImage(dst.repo('b'), 'v1', [layer('y')]);
    const r = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { overwrite: 'never' });
    assert.equal(r.reason, 'tag-exists');
    assert.equal(dst.tagsOf('b').get('v1'), old.digest);
  });

  it('transfers a blob shared by concurrent images once, and mounts it across repositories', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    const base = layer('base', 5000);
    for (const name of ['one', 'two', 'three']) seedImage(src.repo(name), 'v1', [base, layer(name)]);
    const coordinator = new BlobCoordinator();
    const events: string[] = [];
    await Promise.all(
      ['one', 'two', 'three'].map((name) =>
        copyImage(src.repo(name), 'v1', dst.repo(`m/${name}`), 'v1', {
          coordinator,
          observer: (e) => e.type === 'blob' && e.digest === sha256Digest(base) && events.push(e.action),
        }),
      ),
    );
    assert.equal(src.calls.filter((c) => c.includes(sha256Digest(base)) && c.startsWith('GET blob')).length, 1);
    assert.deepEqual(events.sort(), ['copied', 'mounted', 'mounted']);
  });

  it('fails on a corrupted source blob and never creates the tag', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    const good = layer('good');
    seedImage(src.repo('a'), 'v1', [good]);
    src.blobsOf('a').set(sha256Digest(good), layer('evil'));
    await assert.rejects(copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { streamRetries: 1 }), (err: unknown) => {
      assert.ok(err instanceof CopyError, String(err));
      assert.equal(err.code, 'DIGEST_MISMATCH');
      assert.equal(err.origin, 'source');
      return true;
    });
    assert.equal(dst.tagsOf('b').size, 0);
    assert.equal(dst.blobsOf('b').has(sha256Digest(good)), false);
  });

  it('reports a missing source as SOURCE_NOT_FOUND', async () => {
    const src = new MemoryRegistry('src');
    await assert.rejects(copyImage(src.repo('a'), 'nope', new MemoryRegistry('dst').repo('b'), 'nope'), /SOURCE_NOT_FOUND|not found/);
  });
});

describe('copyImage: contracts', () => {
  it('every request on both sides carries a signal that follows the caller', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedIndex(src.repo('a'), 'v1');
    seedImage(dst.repo('b'), 'v1', [layer('old')]);
    const calls: SpiedCall[] = [];
    const caller = new AbortController();
    const r = await copyImage(spyCalls(src.repo('a'), calls), 'v1', spyCalls(dst.repo('b'), calls), 'v1', { signal: caller.signal, backupTag: 'bk' });
    assert.equal(r.status, 'copied');
    const methods = new Set(calls.map((c) => c.method));
    for (const m of ['resolve', 'fetchManifest', 'fetchBlob', 'hasBlob', 'pushBlob', 'pushManifest']) assert.ok(methods.has(m), m);
    assertSignalsFollow(calls, caller);
  });

  it('a failed HEAD names its side and reference', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedImage(src.repo('a'), 'v1', [layer('x')]);
    const source = src.repo('a');
    source.resolve = () => Promise.reject(httpFailure(500, 'src'));
    await assert.rejects(
      copyImage(source, 'v1', dst.repo('b'), 'v2'),
      isCopyError({
        code: 'REGISTRY_ERROR',
        op: 'resolve',
        origin: 'source',
        ref: 'src/a:v1',
        message: 'resolve src/a:v1 (source): GET memory://src: 500 (HTTP 500 for src)',
      }),
    );
    const target = dst.repo('b');
    target.resolve = () => Promise.reject(httpFailure(503, 'dst'));
    await assert.rejects(
      copyImage(src.repo('a'), 'v1', target, 'v2'),
      isCopyError({ code: 'REGISTRY_ERROR', op: 'check-target', origin: 'destination', ref: 'dst/b:v2' }),
    );
    assert.equal(dst.count('PUT'), 0);
  });

  it('platforms on a single-image source: an up-to-date target is skipped with no GET on the source', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    const img = seedImage(src.repo('a'), 'v1', [layer('x')]);
    await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1');
    src.calls.length = 0;
    const r = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { platforms: ['linux/arm64'] });
    assert.deepEqual(r, { status: 'skipped', reason: 'up-to-date', digest: img.digest, mediaType: MediaType.ociManifest, platforms: [] });
    assert.equal(src.count('GET'), 0);
  });

  it('overwrite never: a tag on another image is kept before any GET on the source', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedImage(src.repo('a'), 'v1', [layer('x')]);
    const old = seedImage(dst.repo('b'), 'v1', [layer('y')]);
    const r = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { overwrite: 'never' });
    assert.deepEqual(r, { status: 'skipped', reason: 'tag-exists', digest: old.digest, mediaType: MediaType.ociManifest, platforms: [] });
    assert.equal(src.count('GET'), 0);
    assert.equal(dst.count('PUT'), 0);
  });

  it('overwrite never with a platform subset: a tag on another image is kept (one GET: the source index)', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedIndex(src.repo('a'), 'v1');
    const old = seedImage(dst.repo('b'), 'v1', [layer('y')]);
    const r = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { overwrite: 'never', platforms: ['linux/amd64'] });
    assert.deepEqual(r, { status: 'skipped', reason: 'tag-exists', digest: old.digest, mediaType: MediaType.ociManifest, platforms: [] });
    assert.equal(src.count('GET'), 1);
    assert.equal(dst.count('PUT'), 0);
    assert.equal(dst.tagsOf('b').get('v1'), old.digest);
  });

  it('a platform subset already on the target is up to date and reports the source digest', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    const digest = seedIndex(src.repo('a'), 'v1');
    const first = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { platforms: ['linux/amd64'] });
    const again = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { platforms: ['linux/amd64'], overwrite: 'never' });
    assert.deepEqual(again, {
      status: 'skipped',
      reason: 'up-to-date',
      digest: first.digest,
      mediaType: MediaType.ociIndex,
      platforms: [],
      sourceDigest: digest,
    });
  });

  it('a repair pass (overwrite always) makes no backup of the image it re-walks', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedIndex(src.repo('a'), 'v1');
    await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1');
    const r = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { overwrite: 'always', backupTag: 'bk' });
    assert.equal(r.status, 'copied');
    assert.equal(r.backedUp, undefined);
    assert.equal(dst.tagsOf('b').has('bk'), false);
  });

  it('lists the platforms copied sorted, whatever the order of the index', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    const children = ['s390x', 'arm64', 'amd64'].map((arch) => ({
      digest: seedImage(src.repo('a'), undefined, [layer(arch)], arch).digest,
      platform: `linux/${arch}`,
    }));
    seedIndexOf(src.repo('a'), 'v1', children);
    const r = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1');
    assert.deepEqual(r.platforms, ['linux/amd64', 'linux/arm64', 'linux/s390x']);
  });

  it('a backup that cannot be made stops the copy before the tag moves', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedImage(src.repo('a'), 'v1', [layer('new')]);
    const old = seedImage(dst.repo('b'), 'v1', [layer('old')]);
    const blind = spyCalls(dst.repo('b'), [], ['fetchManifest']);
    await assert.rejects(
      copyImage(src.repo('a'), 'v1', blind, 'v1', { backupTag: 'bk' }),
      isCopyError({
        code: 'INTERNAL',
        op: 'backup',
        origin: 'destination',
        ref: 'dst/b:bk',
        message: 'cannot back up to dst/b:bk: the target cannot read manifests',
      }),
    );
    const failing = dst.repo('b');
    failing.fetchManifest = () => Promise.reject(httpFailure(500, 'dst'));
    await assert.rejects(
      copyImage(src.repo('a'), 'v1', failing, 'v1', { backupTag: 'bk' }),
      isCopyError({ code: 'REGISTRY_ERROR', op: 'backup', origin: 'destination', ref: 'dst/b:bk', digest: old.digest }),
    );
    assert.equal(dst.tagsOf('b').get('v1'), old.digest);
    assert.equal(dst.tagsOf('b').has('bk'), false);
  });

  it('a source manifest whose bytes do not hash to its digest fails DIGEST_MISMATCH and pushes nothing', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    const img = seedImage(src.repo('a'), 'v1', [layer('x')]);
    const evil = Buffer.from(JSON.stringify({ ...JSON.parse(img.bytes.toString()), annotations: { evil: 'yes' } }));
    src.manifestsOf('a').set(img.digest, { bytes: evil, mediaType: MediaType.ociManifest });
    await assert.rejects(
      copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1'),
      isCopyError({
        code: 'DIGEST_MISMATCH',
        op: 'fetch-manifest',
        origin: 'source',
        ref: `src/a@${img.digest}`,
        digest: img.digest,
        message: `manifest src/a@${img.digest} has digest ${sha256Digest(evil)}`,
      }),
    );
    assert.equal(dst.count('PUT'), 0);
  });

  it(`copies indexes nested ${MAX_INDEX_DEPTH} deep and refuses one level more`, async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedNestedIndexes(src.repo('a'), 'ok', MAX_INDEX_DEPTH - 1);
    assert.equal((await copyImage(src.repo('a'), 'ok', dst.repo('b'), 'ok')).status, 'copied');
    seedNestedIndexes(src.repo('a'), 'deep', MAX_INDEX_DEPTH);
    await assert.rejects(copyImage(src.repo('a'), 'deep', dst.repo('c'), 'deep'), (err: unknown) => {
      assert.ok(err instanceof CopyError, String(err));
      assert.deepEqual([err.code, err.op, err.origin], ['MANIFEST_INVALID', 'fetch-manifest', 'source']);
      assert.equal(err.message, `${err.ref}: indexes nested more than ${MAX_INDEX_DEPTH} deep`);
      assert.equal(err.ref, `src/a@${err.digest}`);
      return true;
    });
    assert.equal(dst.tagsOf('c').size, 0);
  });

  it(`walks ${MAX_MANIFESTS_PER_IMAGE} child manifests and refuses one more`, async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    for (const [repo, n] of [
      ['a', MAX_MANIFESTS_PER_IMAGE],
      ['big', MAX_MANIFESTS_PER_IMAGE + 1],
    ] as const) {
      seedWideIndex(src.repo(repo), 'v1', n);
      seedWideIndex(dst.repo(repo), undefined, n); // children present on the target: one HEAD each
    }
    assert.equal((await copyImage(src.repo('a'), 'v1', dst.repo('a'), 'v1')).status, 'copied');
    await assert.rejects(copyImage(src.repo('big'), 'v1', dst.repo('big'), 'v1'), (err: unknown) => {
      assert.ok(err instanceof CopyError, String(err));
      assert.equal(err.code, 'MANIFEST_INVALID');
      assert.equal(err.message, `${err.ref}: more than ${MAX_MANIFESTS_PER_IMAGE} manifests in one image`);
      return true;
    });
    assert.equal(dst.tagsOf('big').size, 0);
  });

  it('a child listed twice is fetched and pushed once', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    const child = seedImage(src.repo('a'), undefined, [layer('x')]).digest;
    seedIndexOf(src.repo('a'), 'v1', [
      { digest: child, platform: 'linux/amd64' },
      { digest: child, platform: 'linux/amd64/v2' },
    ]);
    const r = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1');
    assert.deepEqual(r.platforms, ['linux/amd64', 'linux/amd64/v2']);
    assert.equal(src.count(`GET manifest a:${child}`), 1);
    assert.equal(dst.count(`PUT manifest b:${child}`), 1);
    assert.equal(dst.count(`HEAD manifest b:${child}`), 1);
  });

  it('a child manifest the target has already is neither read nor pushed again', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedIndex(src.repo('a'), 'v1');
    await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1');
    src.calls.length = 0;
    dst.calls.length = 0;
    const r = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v2');
    assert.equal(r.status, 'copied');
    assert.equal(src.count('GET'), 1, 'the root only');
    assert.deepEqual(
      dst.calls.filter((c) => c.startsWith('PUT')),
      ['PUT manifest b:v2'],
    );
  });

  it('a failed HEAD of a child on the target names the child', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedIndex(src.repo('a'), 'v1');
    const target = dst.repo('b');
    const head = target.resolve.bind(target);
    target.resolve = (ref, o) => (ref.startsWith('sha256:') ? Promise.reject(httpFailure(500, ref)) : head(ref, o));
    await assert.rejects(copyImage(src.repo('a'), 'v1', target, 'v1'), (err: unknown) => {
      assert.ok(err instanceof CopyError, String(err));
      assert.deepEqual([err.code, err.op, err.origin], ['REGISTRY_ERROR', 'check-target', 'destination']);
      assert.match(err.ref, /^dst\/b@sha256:[0-9a-f]{64}$/);
      return true;
    });
    assert.equal(dst.tagsOf('b').size, 0);
  });

  it('a refused manifest PUT fails push-manifest naming the reference', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    const img = seedImage(src.repo('a'), 'v1', [layer('x')]);
    const target = dst.repo('b');
    target.pushManifest = () => Promise.reject(httpFailure(400, 'manifest'));
    await assert.rejects(
      copyImage(src.repo('a'), 'v1', target, 'v1'),
      isCopyError({ code: 'REGISTRY_ERROR', op: 'push-manifest', origin: 'destination', ref: 'dst/b:v1', digest: img.digest }),
    );
  });

  it('keeps blobConcurrency blobs in flight (default 4, at least 1)', async () => {
    const maxInFlight = async (blobConcurrency?: number): Promise<number> => {
      const src = new MemoryRegistry('src');
      seedImage(
        src.repo('a'),
        'v1',
        ['1', '2', '3', '4', '5', '6'].map((s) => layer(s)),
      );
      const target = new MemoryRegistry('dst').repo('b');
      const gate = inFlight(target.hasBlob.bind(target));
      target.hasBlob = gate.fn;
      await copyImage(src.repo('a'), 'v1', target, 'v1', blobConcurrency === undefined ? {} : { blobConcurrency });
      return gate.max();
    };
    assert.equal(await maxInFlight(), 4);
    assert.equal(await maxInFlight(2), 2);
    assert.equal(await maxInFlight(0), 1);
  });
});

describe('copyImage: when blobs are fetched beside their HEAD', () => {
  /** For each blob the target HEADs: whether its source GET went out before that HEAD. */
  const fetchedBeforeHead = (dst: MemoryRegistry, src: MemoryRegistry): boolean[] =>
    dst.calls
      .filter((c) => c.startsWith('HEAD blob'))
      .map((head) => {
        const digest = head.split('@')[1]!;
        return src.calls.some((c) => c === `GET blob a@${digest}`) && dst.calls.indexOf(head) > dst.calls.indexOf(`PUT blob b@${digest}`);
      });

  it('a tag the target lacks: every blob is fetched beside its HEAD (one round trip less each)', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedImage(src.repo('a'), 'v1', [layer('x'), layer('y')]);
    assert.equal((await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1')).status, 'copied');
    assert.deepEqual(fetchedBeforeHead(dst, src), [true, true, true]);
  });

  it('a tag on another image at the target: its blobs may be there, so each HEAD answers before any GET', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedImage(src.repo('a'), 'v1', [layer('x'), layer('y')]);
    seedImage(dst.repo('b'), 'v1', [layer('x')]);
    assert.equal((await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1')).status, 'copied');
    assert.deepEqual(fetchedBeforeHead(dst, src), [false, false, false]);
    assert.equal(src.count('GET blob a@'), 1, 'what the target has (the config, the first layer) is never fetched: the new layer only');
  });
});
