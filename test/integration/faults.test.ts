import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { BlobCoordinator } from '../../lib/copy/index.js';
import type { TransferTask } from '../../lib/planner/index.js';
import { RegistryPool, type RetryEvent } from '../../lib/registry/index.js';
import { runTasks } from '../../lib/usecases/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { getManifestRaw, headBlob, pushImage, type PushedImage } from '../support/images.js';
import { ensurePki } from '../support/pki.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { startTokenServer } from '../support/token-server.js';
import { taskOf } from '../support/tasks.js';

const MiB = 1024 * 1024;
const SEED = Number(process.env.FAULT_SEED ?? 20261128);
const IMAGES = Number(process.env.FAULT_IMAGES ?? 20);

describe(`migration through injected faults (seed ${SEED})`, () => {
  let a: RunningRegistry;
  let t: RunningRegistry;
  let tokens: Awaited<ReturnType<typeof startTokenServer>>;
  let srcProxy: FaultProxy;
  let dstProxy: FaultProxy;
  const pushed = new Map<string, PushedImage>();

  before(async () => {
    const pki = await ensurePki();
    tokens = await startTokenServer({ pki, users: { testuser: 'testpass' } });
    [a, t] = await Promise.all([startRegistry({ mode: 'plain' }), startRegistry({ mode: 'token+tls', tokenRealm: tokens.realm })]);
    for (let i = 0; i < IMAGES - 2; i++) {
      const name = `app${String(i).padStart(2, '0')}`;
      pushed.set(
        name,
        await pushImage(a, `src/${name}`, 'v1', {
          format: i % 2 ? 'docker' : 'oci',
          layers: [
            { seed: 'shared-base', size: MiB },
            { seed: name, size: 300_000 + i * 1000 },
          ],
        }),
      );
    }
    pushed.set(
      'multi',
      await pushImage(a, 'src/multi', 'v1', {
        format: 'oci',
        layers: [{ seed: 'multi', size: 500_000 }],
        platforms: ['linux/amd64', 'linux/arm64/v8', 'linux/riscv64'],
      }),
    );
    pushed.set('huge', await pushImage(a, 'src/huge', 'v1', { format: 'oci', layers: [{ seed: 'huge', size: 256 * MiB }] }));
    srcProxy = await startFaultProxy({
      target: a.url,
      seed: SEED,
      rate: 0.15,
      faults: ['reset', 'stall', 'truncate', 'status500', 'status502', 'status503', 'status429', 'status429-retry-after'],
      stallMs: 30_000,
    });
    dstProxy = await startFaultProxy({
      target: t.url,
      ca: readFileSync(pki.caCert, 'utf8'),
      seed: SEED + 1,
      rate: 0.1,
      faults: ['status500', 'status503', 'status429', 'expire-token'],
    });
  });

  after(async () => {
    await Promise.all([srcProxy?.stop(), dstProxy?.stop()]);
    await Promise.all([a?.stop(), t?.stop()]);
    await tokens?.stop();
  });

  it('every image arrives with identical digests or is reported failed with its cause; no tag points at an incomplete image', {
    timeout: 240_000,
  }, async () => {
    const retries: RetryEvent[] = [];
    const pool = new RegistryPool(
      (registry) => (registry === dstProxy.host ? { insecure: true, credentials: { username: 'testuser', password: 'testpass' } } : { insecure: true }),
      { retry: { retries: 4, baseDelayMs: 50, maxDelayMs: 2000 }, timeouts: { bodyIdleMs: 1500, headersMs: 5000 }, onRetry: (e) => retries.push(e) },
    );
    const tasks: TransferTask[] = [...pushed.keys()].map((name) =>
      taskOf(
        'faults',
        { registry: srcProxy.host, repository: `src/${name}`, reference: 'v1' },
        { registry: dstProxy.host, repository: `dst/${name}`, reference: 'v1' },
      ),
    );
    const started = Date.now();
    const results = await runTasks({ repository: (r, repo) => pool.repository(r, repo), coordinator: new BlobCoordinator(), blobConcurrency: 4 }, tasks, {
      routines: 5,
      retry: 2,
    });
    const elapsed = Date.now() - started;
    await pool.close();

    let losses = 0;
    for (const r of results) {
      const name = r.source.split('/').pop()!.split(':')[0]!;
      const got = await getManifestRaw(t, `dst/${name}`, 'v1');
      if (r.status === 'failed') {
        assert.ok(r.error?.code && r.error.message, `failed ${name} carries a cause`);
        if (got.status === 200) losses += got.digest === pushed.get(name)!.digest ? 0 : 1;
        continue;
      }
      assert.equal(got.digest, pushed.get(name)!.digest, `${name} arrived exactly`);
      for (const blob of pushed.get(name)!.blobs) if ((await headBlob(t, `dst/${name}`, blob)) !== 200) losses++;
    }
    const injected = Object.values(srcProxy.injected).reduce((x, y) => x + y, 0) + Object.values(dstProxy.injected).reduce((x, y) => x + y, 0);
    const summary = {
      seed: SEED,
      images: results.length,
      succeeded: results.filter((r) => r.status !== 'failed').length,
      injected,
      bySource: srcProxy.injected,
      byDestination: dstProxy.injected,
      retries: retries.length,
      elapsedMs: elapsed,
      losses,
    };
    console.log(`fault suite: ${JSON.stringify(summary)}`);
    assert.equal(losses, 0);
    assert.ok(injected >= 10, `faults were injected: ${injected}`);
    assert.ok(
      retries.every((e) => e.attempt <= 4),
      'retries are bounded by the policy',
    );
    assert.ok(
      results.filter((r) => r.status === 'failed').length <= 1,
      `at most one image may exhaust its retries: ${JSON.stringify(results.filter((r) => r.status === 'failed').map((r) => r.error))}`,
    );
  });
});
