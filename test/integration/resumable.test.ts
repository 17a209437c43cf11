import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkpointKey, copyImage, type CopyEvent } from '../../lib/copy/index.js';
import { RegistryPool } from '../../lib/registry/index.js';
import { FsObjectStore } from '../../lib/store/index.js';
import { checkpointsIn } from '../../lib/usecases/index.js';
import { getManifestRaw, pushImage, type PushedImage } from '../support/images.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const MiB = 1024 * 1024;

describe('resumable blob transfer (checkpointed chunked upload)', () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let image: PushedImage;
  let dir: string;

  before(async () => {
    [a, b] = await Promise.all([startRegistry({ mode: 'plain' }), startRegistry({ mode: 'plain' })]);
    image = await pushImage(a, 'proj/huge', 'v1', { format: 'oci', layers: [{ seed: 'huge', size: 512 * MiB }] });
    dir = mkdtempSync(join(tmpdir(), 'it-resume-'));
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** One "invocation": a fresh process-like pool and store; a soft stop after `stopAfter` uploaded bytes. */
  async function invocation(stopAfter: number | undefined): Promise<{ error?: Error & { code?: string }; events: CopyEvent[] }> {
    const pool = new RegistryPool(() => ({ insecure: true }));
    const stop = new AbortController();
    const events: CopyEvent[] = [];
    let uploaded = 0;
    try {
      await copyImage(pool.repository(a.host, 'proj/huge'), 'v1', pool.repository(b.host, 'mirror/huge'), 'v1', {
        resumable: { store: checkpointsIn(new FsObjectStore(dir)), thresholdBytes: 64 * MiB, chunkBytes: 32 * MiB, stopSignal: stop.signal },
        observer: (e) => {
          events.push(e);
          if (e.type === 'bytes' && (uploaded += e.bytes) >= (stopAfter ?? Infinity)) stop.abort();
        },
      });
      return { events };
    } catch (error) {
      return { error: error as Error & { code?: string }, events };
    } finally {
      await pool.close();
    }
  }

  it('moves a 512 MiB layer across three invocations, interrupted twice, without re-sending bytes', async () => {
    const layer = image.blobs.find((d) => d !== image.blobs[0])!;
    const store = checkpointsIn(new FsObjectStore(dir));
    const key = checkpointKey({ registry: b.host, repository: 'mirror/huge' } as never, layer);

    const first = await invocation(150 * MiB);
    assert.equal(first.error?.code, 'SUSPENDED', String(first.error));
    const cp1 = await store.get(key);
    assert.ok(cp1 && cp1.offset >= 150 * MiB, `checkpoint after the first stop: ${cp1?.offset}`);
    assert.equal((await getManifestRaw(b, 'mirror/huge', 'v1')).status, 404, 'no tag after an interrupted upload');

    const second = await invocation(150 * MiB);
    assert.equal(second.error?.code, 'SUSPENDED');
    assert.deepEqual(
      second.events.find((e) => e.type === 'resumed'),
      { type: 'resumed', digest: layer, offset: cp1.offset },
    );
    const cp2 = await store.get(key);
    assert.ok(cp2 && cp2.offset > cp1.offset);

    const third = await invocation(undefined);
    assert.equal(third.error, undefined, String(third.error));
    assert.deepEqual(
      third.events.find((e) => e.type === 'resumed'),
      { type: 'resumed', digest: layer, offset: cp2.offset },
    );
    const sent = [first, second, third]
      .flatMap((r) => r.events)
      .filter((e) => e.type === 'bytes')
      .reduce((n, e) => n + (e.type === 'bytes' ? e.bytes : 0), 0);
    assert.ok(sent < image.manifestBytes.length + 513 * MiB, `bytes uploaded in total: ${sent}`);
    assert.equal((await getManifestRaw(b, 'mirror/huge', 'v1')).digest, image.digest);
    assert.equal(await store.get(key), undefined, 'checkpoint cleared after commit');
  });
});
