import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CopyError, copyImage } from '../../../lib/copy/index.js';
import { platformMatches } from '../../../lib/copy/platform-filter.js';
import { MediaType, sha256Digest } from '../../../lib/oci/index.js';
import { imageManifestBytes } from '../../support/copy-fixtures.js';
import { MemoryRegistry, type MemoryRepository } from '../../support/memory-registry.js';

function seedImage(repo: MemoryRepository, tag: string | undefined, seed: string): { digest: string; bytes: Buffer } {
  const config = Buffer.from(JSON.stringify({ os: 'linux', seed }));
  const layer = Buffer.alloc(500, seed);
  const bytes = imageManifestBytes(config, layer);
  return { digest: repo.seed(tag, { bytes, mediaType: MediaType.ociManifest }, [config, layer]), bytes };
}

/** linux/amd64, linux/arm64/v8, linux/arm/v7 and a buildx attestation for amd64. */
function seedIndex(repo: MemoryRepository, tag: string): { digest: string; children: Record<string, string> } {
  const platforms = [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
    { os: 'linux', architecture: 'arm', variant: 'v7' },
  ];
  const entries = platforms.map((p) => {
    const img = seedImage(repo, undefined, `${p.architecture}${p.variant ?? ''}`);
    return { mediaType: MediaType.ociManifest, digest: img.digest, size: img.bytes.length, platform: p };
  });
  const att = seedImage(repo, undefined, 'attestation');
  entries.push({
    mediaType: MediaType.ociManifest,
    digest: att.digest,
    size: att.bytes.length,
    platform: { os: 'unknown', architecture: 'unknown' },
    annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': entries[0]!.digest },
  } as (typeof entries)[number]);
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: entries }, null, 2));
  const digest = repo.seed(tag, { bytes, mediaType: MediaType.ociIndex });
  return { digest, children: { amd64: entries[0]!.digest, arm64: entries[1]!.digest, arm: entries[2]!.digest, att: att.digest } };
}

describe('platform subsets', () => {
  it('matches os/arch with an optional variant', () => {
    assert.equal(platformMatches('linux/arm64', 'linux/arm64/v8'), true);
    assert.equal(platformMatches('linux/arm64/v8', 'linux/arm64'), true);
    assert.equal(platformMatches('linux/arm/v7', 'linux/arm/v6'), false);
    assert.equal(platformMatches('linux/amd64', 'windows/amd64'), false);
    assert.equal(platformMatches('linux/amd64', undefined), false);
  });

  it('rewrites the index to the chosen platforms and keeps their attestations', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    const { digest, children } = seedIndex(src.repo('a'), 'v1');
    const r = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { platforms: ['linux/amd64'] });
    assert.equal(r.status, 'copied');
    assert.equal(r.sourceDigest, digest);
    assert.notEqual(r.digest, digest);
    assert.deepEqual(r.platforms, ['linux/amd64', 'unknown/unknown']);
    const pushed = await dst.repo('b').fetchManifest('v1');
    assert.equal(sha256Digest(pushed.bytes), r.digest);
    const kept = (JSON.parse(Buffer.from(pushed.bytes).toString()) as { manifests: Array<{ digest: string }> }).manifests.map((m) => m.digest);
    assert.deepEqual(kept, [children.amd64, children.att]);
    assert.equal(await dst.repo('b').resolve(children.arm64!), undefined);
  });

  it('re-runs as up to date after one GET of the source index', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedIndex(src.repo('a'), 'v1');
    await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { platforms: ['linux/arm64'] });
    src.calls.length = 0;
    dst.calls.length = 0;
    const again = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { platforms: ['linux/arm64'] });
    assert.equal(again.status, 'skipped');
    assert.equal(again.reason, 'up-to-date');
    assert.equal(src.count('GET manifest'), 1);
    assert.equal(src.count('GET blob'), 0);
    assert.equal(dst.count('PUT'), 0);
  });

  it('keeps the original bytes (and digest) when every platform is chosen', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    const { digest } = seedIndex(src.repo('a'), 'v1');
    const r = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { platforms: ['linux/amd64', 'linux/arm64', 'linux/arm'] });
    assert.equal(r.digest, digest);
    assert.equal(r.sourceDigest, undefined);
  });

  it('fails with PLATFORM_NOT_FOUND naming what the image has', async () => {
    const src = new MemoryRegistry('src');
    seedIndex(src.repo('a'), 'v1');
    await assert.rejects(copyImage(src.repo('a'), 'v1', new MemoryRegistry('dst').repo('b'), 'v1', { platforms: ['windows/amd64'] }), (err: unknown) => {
      assert.ok(err instanceof CopyError, String(err));
      assert.equal(err.code, 'PLATFORM_NOT_FOUND');
      assert.match(err.message, /linux\/arm64\/v8/);
      return true;
    });
  });
});

describe('overwrite and backup', () => {
  it('tags the replaced image with the backup tag before moving the tag', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    const fresh = seedImage(src.repo('a'), 'v1', 'new');
    const old = seedImage(dst.repo('b'), 'v1', 'old');
    const r = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { backupTag: 'v1-backup' });
    assert.deepEqual(r.backedUp, { tag: 'v1-backup', digest: old.digest });
    assert.equal(dst.tagsOf('b').get('v1-backup'), old.digest);
    assert.equal(dst.tagsOf('b').get('v1'), fresh.digest);
    const puts = dst.calls.filter((c) => c.startsWith('PUT manifest'));
    assert.deepEqual(puts.slice(-2), ['PUT manifest b:v1-backup', 'PUT manifest b:v1']);
  });

  it('makes no backup when the tag is new or unchanged', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedImage(src.repo('a'), 'v1', 'same');
    await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { backupTag: 'bk' });
    await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { backupTag: 'bk' });
    assert.equal(dst.tagsOf('b').has('bk'), false);
  });

  it('overwrite always re-walks an up-to-date image and restores what the target lost', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    const { children } = seedIndex(src.repo('a'), 'v1');
    await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1');
    const lost = [...dst.blobsOf('b').keys()][0]!;
    dst.blobsOf('b').delete(lost);
    const skipped = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1');
    assert.equal(skipped.status, 'skipped');
    const repaired = await copyImage(src.repo('a'), 'v1', dst.repo('b'), 'v1', { overwrite: 'always' });
    assert.equal(repaired.status, 'copied');
    assert.equal(dst.blobsOf('b').has(lost), true);
    assert.ok(children.amd64, 'the amd64 child exists');
  });
});
