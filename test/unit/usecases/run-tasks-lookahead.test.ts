import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { BlobCoordinator } from '../../../lib/copy/index.js';
import type { TransferTask } from '../../../lib/planner/index.js';
import { runTasks } from '../../../lib/usecases/index.js';
import { AdaptiveLimit } from '../../../lib/util/adaptive-limit.js';
import { seedPlainImage } from '../../support/copy-fixtures.js';
import { MemoryRegistry, type MemoryRepository } from '../../support/memory-registry.js';
import { taskOf } from '../../support/tasks.js';

const task = (i: number): TransferTask =>
  taskOf('r', { registry: 'src', repository: 'a/app', reference: 'v1' }, { registry: 'dst', repository: `b/app${i}`, reference: 'v1' });

/**
 * Two images, one slot: the first image's blob GETs wait (at most 200 ticks) for the second image's manifest
 * HEAD, so the order of the destination's calls shows whether the second image read ahead of the slot.
 */
async function twoImages(routines: AdaptiveLimit | number): Promise<string[]> {
  const src = new MemoryRegistry('src');
  const dst = new MemoryRegistry('dst');
  seedPlainImage(src.repo('a/app'), 'v1', 'lookahead');
  const secondHead = async () => {
    for (let i = 0; i < 200 && !dst.calls.includes('HEAD manifest b/app1:v1'); i++) await tick();
  };
  const repository = (registry: string, name: string) => {
    const repo = (registry === 'src' ? src : dst).repo(name);
    if (registry !== 'src') return repo;
    return Object.assign(Object.create(repo) as MemoryRepository, {
      fetchBlob: async (...args: Parameters<MemoryRepository['fetchBlob']>) => {
        await secondHead();
        return repo.fetchBlob(...args);
      },
    });
  };
  const results = await runTasks({ repository, coordinator: new BlobCoordinator(), blobConcurrency: 1 }, [task(0), task(1)], { routines, retry: 0 });
  assert.deepEqual(
    results.map((r) => r.status),
    ['succeeded', 'succeeded'],
  );
  return dst.calls;
}

describe('runTasks with a limit that stages images (look-ahead)', () => {
  it('reads the next image’s manifests while the slot moves blobs, and its blobs only after', async () => {
    const calls = await twoImages(new AdaptiveLimit({ initial: 1, max: 1, lookahead: true }));
    const at = (call: string) => calls.indexOf(call);
    assert.ok(at('HEAD manifest b/app1:v1') < at('PUT manifest b/app0:v1'), calls.join('\n'));
    const lastBlobOf0 = calls.findLastIndex((c) => c.startsWith('PUT blob b/app0'));
    const firstBlobOf1 = calls.findIndex((c) => c.startsWith('PUT blob b/app1') || c.startsWith('MOUNT blob b/app1'));
    assert.ok(lastBlobOf0 >= 0 && firstBlobOf1 > lastBlobOf0, calls.join('\n'));
  });

  it('starts the next image only when a slot frees without look-ahead (a number, or a limit without it)', async () => {
    for (const routines of [1, new AdaptiveLimit({ initial: 1, max: 1 })]) {
      const calls = await twoImages(routines);
      assert.ok(calls.indexOf('HEAD manifest b/app1:v1') > calls.indexOf('PUT manifest b/app0:v1'), calls.join('\n'));
    }
  });
});
