import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { BlobCoordinator, copyImage, type CopyEvent } from '../../lib/copy/index.js';
import { RegistryPool } from '../../lib/registry/index.js';
import { startCountingProxy, type CountingProxy } from '../support/access-log.js';
import { corruptBlob, getManifestRaw, headBlob, pushImage, type PushedImage } from '../support/images.js';
import { ensurePki } from '../support/pki.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { startTokenServer } from '../support/token-server.js';
import { until } from '../support/until.js';

const MiB = 1024 * 1024;

describe('copy engine against real distribution registries', () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let s: RunningRegistry;
  let t: RunningRegistry;
  let tokens: Awaited<ReturnType<typeof startTokenServer>>;
  let proxy: CountingProxy;
  let pool: RegistryPool;
  const images: Record<string, PushedImage> = {};

  before(async () => {
    const pki = await ensurePki();
    tokens = await startTokenServer({ pki, users: { testuser: 'testpass' } });
    [a, b, s, t] = await Promise.all([
      startRegistry({ mode: 'plain' }),
      startRegistry({ mode: 'plain' }),
      startRegistry({ mode: 'htpasswd+tls' }),
      startRegistry({ mode: 'token+tls', tokenRealm: tokens.realm }),
    ]);
    proxy = await startCountingProxy(a.url);
    const ca = readFileSync(pki.caCert, 'utf8');
    pool = new RegistryPool((registry) => {
      if (registry === s.host || registry === t.host) return { credentials: { username: 'testuser', password: 'testpass' }, ca };
      return { insecure: true };
    });
    const seed = [
      [
        'app',
        {
          format: 'oci',
          layers: [
            { seed: 'app-1', size: 300_000 },
            { seed: 'app-2', size: 200_000 },
          ],
        },
      ],
      ['multi', { format: 'oci', layers: [{ seed: 'multi', size: 100_000 }], platforms: ['linux/amd64', 'linux/arm64/v8', 'linux/s390x'] }],
      ['dlist', { format: 'docker', layers: [{ seed: 'dlist', size: 100_000 }], platforms: ['linux/amd64', 'linux/arm/v7'] }],
      ['big', { format: 'docker', layers: [{ seed: 'big', size: 64 * MiB }] }],
      [
        'base1',
        {
          format: 'oci',
          layers: [
            { seed: 'base', size: 2 * MiB },
            { seed: 'top1', size: 10_000 },
          ],
        },
      ],
      [
        'base2',
        {
          format: 'oci',
          layers: [
            { seed: 'base', size: 2 * MiB },
            { seed: 'top2', size: 10_000 },
          ],
        },
      ],
    ] as const;
    for (const [name, spec] of seed)
      images[name] = await pushImage(a, `proj/${name}`, 'v1', {
        ...spec,
        layers: [...spec.layers],
        platforms: 'platforms' in spec ? [...spec.platforms] : undefined,
      });
  });

  after(async () => {
    await pool?.close();
    await proxy?.stop();
    await Promise.all([a, b, s, t].map((r) => r?.stop()));
    await tokens?.stop();
  });

  const expectSame = async (dst: RunningRegistry, repo: string, tag: string, image: PushedImage) => {
    const got = await getManifestRaw(dst, repo, tag);
    assert.equal(got.status, 200, `${dst.host}/${repo}:${tag} exists`);
    assert.equal(got.digest, image.digest);
    assert.deepEqual(got.bytes, image.manifestBytes);
    for (const child of image.children ?? []) assert.equal((await getManifestRaw(dst, repo, child.digest)).status, 200);
  };

  it('copies OCI, Docker v2, OCI indexes and Docker lists byte for byte (http -> http)', async () => {
    const coordinator = new BlobCoordinator();
    for (const name of ['app', 'multi', 'dlist', 'big']) {
      const r = await copyImage(pool.repository(proxy.host, `proj/${name}`), 'v1', pool.repository(b.host, `mirror/${name}`), 'v1', { coordinator });
      assert.equal(r.status, 'copied');
      await expectSame(b, `mirror/${name}`, 'v1', images[name]!);
    }
  });

  it('re-copy is a no-op: only manifest HEADs reach the source', async () => {
    proxy.reset();
    for (const name of ['app', 'multi', 'dlist', 'big']) {
      const r = await copyImage(pool.repository(proxy.host, `proj/${name}`), 'v1', pool.repository(b.host, `mirror/${name}`), 'v1');
      assert.equal(r.status, 'skipped');
    }
    const counts = proxy.counts().byMethodAndKind;
    assert.equal(counts['HEAD manifest'], 4);
    assert.equal(Object.keys(counts).filter((k) => k.startsWith('GET') && k !== 'GET ping').length, 0, JSON.stringify(counts));
  });

  it('copies into TLS + basic auth with a custom CA, and into TLS + bearer tokens', async () => {
    for (const dst of [s, t]) {
      const r = await copyImage(pool.repository(a.host, 'proj/multi'), 'v1', pool.repository(dst.host, 'proj/multi'), 'v1');
      assert.equal(r.status, 'copied');
      await expectSame(dst, 'proj/multi', 'v1', images.multi!);
    }
  });

  it('mounts blobs across repositories of one registry, with a two-repository token scope', async () => {
    const events: CopyEvent[] = [];
    const r = await copyImage(pool.repository(t.host, 'proj/multi'), 'v1', pool.repository(t.host, 'other/multi'), 'v2', { observer: (e) => events.push(e) });
    assert.equal(r.status, 'copied');
    const blobs = events.filter((e) => e.type === 'blob');
    assert.ok(blobs.length > 0 && blobs.every((e) => e.type === 'blob' && e.action === 'mounted'), JSON.stringify(blobs));
    assert.ok(tokens.requests.some((q) => q.scopes.includes('repository:other/multi:pull,push') && q.scopes.includes('repository:proj/multi:pull')));
    await expectSame(t, 'other/multi', 'v2', images.multi!);
  });

  it('sends a base layer shared by two images once and mounts it for the second', async () => {
    const coordinator = new BlobCoordinator();
    const actions: string[] = [];
    const base = images.base1!.blobs.find((d) => images.base2!.blobs.includes(d))!;
    await Promise.all(
      ['base1', 'base2'].map((name) =>
        copyImage(pool.repository(a.host, `proj/${name}`), 'v1', pool.repository(b.host, `shared/${name}`), 'v1', {
          coordinator,
          observer: (e) => e.type === 'blob' && e.digest === base && actions.push(e.action),
        }),
      ),
    );
    assert.deepEqual(actions.sort(), ['copied', 'mounted']);
    await expectSame(b, 'shared/base2', 'v1', images.base2!);
  });

  it("learns that the registry mounts into a repository itself, then checks presence with the upload's start: no blob HEAD", async () => {
    const target = await startCountingProxy(b.url);
    try {
      const coordinator = new BlobCoordinator();
      const copy = (name: string, repo: string, tag: string, events: CopyEvent[] = []) =>
        copyImage(pool.repository(a.host, `proj/${name}`), 'v1', pool.repository(target.host, repo), tag, { coordinator, observer: (e) => events.push(e) });
      assert.equal((await copy('app', 'inplace/one', 'v1')).status, 'copied');
      await until('the answer to the mount into inplace/one itself', () => coordinator.inPlace(target.host));
      // base1 leaves the base layer in inplace/two; base2 shares it, under a tag inplace/two lacks
      assert.equal((await copy('base1', 'inplace/two', 'v1')).status, 'copied');
      target.reset();
      const events: CopyEvent[] = [];
      assert.equal((await copy('base2', 'inplace/two', 'v2', events)).status, 'copied');
      await expectSame(b, 'inplace/two', 'v2', images.base2!);
      const base = images.base1!.blobs.find((d) => images.base2!.blobs.includes(d))!;
      const actions = Object.fromEntries(events.flatMap((e) => (e.type === 'blob' ? [[e.digest, e.action]] : [])));
      assert.equal(actions[base], 'skipped', 'the shared layer was found there');
      assert.equal(Object.values(actions).filter((a) => a === 'copied').length, 2, 'the new layer and the config were copied');
      const entries = target.entries();
      assert.deepEqual(
        entries.filter((e) => e.kind === 'blob'),
        [],
        'no blob HEAD',
      );
      const asked = entries.filter((e) => e.method === 'POST' && e.path.includes('&from=inplace%2Ftwo'));
      assert.equal(asked.length, 3, JSON.stringify(entries));
      assert.deepEqual(
        entries.filter((e) => e.method === 'PUT' && e.kind === 'upload').map((e) => e.path.includes(encodeURIComponent(base)) || e.path.includes(base)),
        [false, false],
        'the shared layer was not uploaded',
      );
    } finally {
      await target.stop();
    }
  });

  it('fails an image whose source blob is corrupted, and creates no tag', async () => {
    const bad = await pushImage(a, 'proj/bad', 'v1', { format: 'oci', layers: [{ seed: 'bad', size: 500_000 }] });
    const layer = bad.blobs.at(-1)!;
    await corruptBlob(a, layer);
    await assert.rejects(
      copyImage(pool.repository(a.host, 'proj/bad'), 'v1', pool.repository(b.host, 'mirror/bad'), 'v1', { streamRetries: 1 }),
      (err: Error & { code?: string; origin?: string }) => err.code === 'DIGEST_MISMATCH' && err.origin === 'source' && err.message.includes(layer),
    );
    assert.equal((await getManifestRaw(b, 'mirror/bad', 'v1')).status, 404);
    assert.equal(await headBlob(b, 'mirror/bad', layer), 404);
  });
});
