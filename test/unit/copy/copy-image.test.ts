import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlobCoordinator, CopyError, copyImage } from '../../../lib/copy/index.js';
import { MediaType, sha256Digest } from '../../../lib/oci/index.js';
import { MemoryRegistry, type MemoryRepository } from '../../support/memory-store.js';

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
    assert.ok(pushes.slice(0, 2).every((p) => p.includes(':sha256:')));
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
      assert.ok(err instanceof CopyError);
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
