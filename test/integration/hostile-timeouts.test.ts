import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { blobs, getManifest, RegistryClient, RegistryError } from '../../lib/registry/index.js';
import { startHostileRegistry, type HostileRegistry, type HostileScenario } from '../support/hostile-registry.js';

// Finding 3 of the hostile-registry review: headers and bodies trickled one byte at a time kept the
// idle timers from ever firing. The headers now have a total deadline (HEADERS_TIMEOUT) and bodies a
// minimum rate (BODY_TOO_SLOW), on Node's client (manifests) and on undici (blobs). The bounds are
// injected small here; with the defaults (lib/util/limits.ts) the same trickle fails after 60 s and 30 s.

const AUTH = { username: 'hostile-user', password: 'hostile-secret-7Qx' };
const TIMEOUTS = { headersMs: 1500, bodyRate: { windowMs: 1500, minBytes: 1024 } };
/** Two attempts of 1.5 s each, the backoff and the first bytes: far below the trickle's end. */
const BOUND_MS = 6000;

function clientFor(hostile: HostileRegistry): RegistryClient {
  return new RegistryClient({
    registry: hostile.host,
    credentials: AUTH,
    insecure: true,
    retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 10 },
    timeouts: TIMEOUTS,
  });
}

async function readAll(body: NodeJS.ReadableStream): Promise<number> {
  let size = 0;
  for await (const chunk of body) size += (chunk as Buffer).length;
  return size;
}

describe('time-outs fire against a trickling registry', () => {
  const running: HostileRegistry[] = [];
  const start = async (scenario: HostileScenario, layerSize?: number): Promise<HostileRegistry> => {
    const r = await startHostileRegistry({ scenario, auth: AUTH, trickleMs: 200, ...(layerSize ? { layerSize } : {}) });
    running.push(r);
    return r;
  };
  after(async () => {
    await Promise.all(running.map((r) => r.stop()));
  });

  const cases: Array<{ scenario: HostileScenario; code: string; read: (client: RegistryClient, hostile: HostileRegistry) => Promise<unknown> }> = [
    { scenario: 'headers-trickle', code: 'HEADERS_TIMEOUT', read: (c, h) => getManifest(c, h.image.repository, h.image.tag) },
    { scenario: 'body-trickle', code: 'BODY_TOO_SLOW', read: (c, h) => getManifest(c, h.image.repository, h.image.digest) },
    {
      scenario: 'blob-trickle',
      code: 'BODY_TOO_SLOW',
      read: async (c, h) => {
        const manifest = JSON.parse((await getManifest(c, h.image.repository, h.image.digest)).bytes.toString()) as { layers: Array<{ digest: string }> };
        return readAll((await blobs.getBlob(c, h.image.repository, manifest.layers[0]!.digest)).body);
      },
    },
  ];

  for (const { scenario, code, read } of cases) {
    it(`${scenario}: fails with ${code} within the bound, naming the registry`, { timeout: 30_000 }, async () => {
      const hostile = await start(scenario);
      const client = clientFor(hostile);
      const started = Date.now();
      try {
        await assert.rejects(read(client, hostile), (err: unknown) => {
          // a streamed blob body fails with the transport's error; the copy engine names the image
          if (scenario === 'blob-trickle') return (err as { code?: string }).code === code;
          assert.ok(err instanceof RegistryError, String(err));
          assert.equal(err.code, 'REGISTRY_TIMEOUT');
          assert.equal((err.cause as { code?: string }).code, code);
          assert.ok(err.message.includes(hostile.host) && err.message.includes(code), err.message);
          return true;
        });
        assert.ok(Date.now() - started < BOUND_MS, `ended after ${Date.now() - started} ms`);
      } finally {
        await client.close();
      }
    });
  }

  it('a reader that is slow itself (backpressure) never fails the body', { timeout: 30_000 }, async () => {
    const hostile = await start('well-behaved', 4 * 1024 * 1024);
    const client = clientFor(hostile);
    try {
      const manifest = JSON.parse((await getManifest(client, hostile.image.repository, hostile.image.digest)).bytes.toString()) as {
        layers: Array<{ digest: string; size: number }>;
      };
      const { body } = await blobs.getBlob(client, hostile.image.repository, manifest.layers[0]!.digest);
      await new Promise((resolve) => setTimeout(resolve, 3 * TIMEOUTS.bodyRate.windowMs));
      assert.equal(await readAll(body), manifest.layers[0]!.size);
    } finally {
      await client.close();
    }
  });
});
