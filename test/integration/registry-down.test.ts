import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BlobCoordinator } from '../../lib/copy/index.js';
import type { TransferTask } from '../../lib/planner/index.js';
import type { TaskResult } from '../../lib/report/index.js';
import { RegistryPool, type RetryEvent } from '../../lib/registry/index.js';
import { type RegistryDown, runTasks } from '../../lib/usecases/index.js';
import { pushImage } from '../support/images.js';
import { freePort } from '../support/ports.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { taskOf } from '../support/tasks.js';

// A destination that refuses connections fails fast: the images in flight fail after their request
// retries, the others are not attempted, and the registry is reported once with how many images it
// stopped, instead of once per image after each one's own retries.

const IMAGES = 12;
const ROUTINES = 2;

describe('a registry that refuses connections is reported once, its other images not attempted', () => {
  let src: RunningRegistry;

  before(async () => {
    src = await startRegistry({ mode: 'plain' });
    await pushImage(src, 'team/app', 'v1', { format: 'oci', layers: [{ seed: 'down', size: 4_000 }] });
  });
  after(async () => {
    await src?.stop();
  });

  it(`${IMAGES} images to a stopped registry: ${ROUTINES} attempted (with visible retries), ${IMAGES - ROUTINES} NOT_ATTEMPTED, one report`, async () => {
    const down = `127.0.0.1:${await freePort()}`;
    const retries: RetryEvent[] = [];
    const pool = new RegistryPool(() => ({ insecure: true }), { retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 50 }, onRetry: (e) => retries.push(e) });
    const tasks: TransferTask[] = Array.from({ length: IMAGES }, (_, i) =>
      taskOf('down', { registry: src.host, repository: 'team/app', reference: 'v1' }, { registry: down, repository: `d/app${i}`, reference: 'v1' }),
    );
    const reports: RegistryDown[] = [];
    const passes: number[] = [];
    let results: TaskResult[];
    try {
      results = await runTasks({ repository: (r, repo) => pool.repository(r, repo), coordinator: new BlobCoordinator(), blobConcurrency: 2 }, tasks, {
        routines: ROUTINES,
        retry: 2,
        onRegistryDown: (d) => reports.push(d),
        onRetryPass: (pass) => passes.push(pass),
      });
    } finally {
      await pool.close();
    }
    const attempted = results.filter((r) => r.error?.code !== 'NOT_ATTEMPTED');
    assert.equal(attempted.length, ROUTINES, JSON.stringify(results.map((r) => r.error)));
    for (const r of attempted) assert.equal(r.error?.hint?.kind, 'CONNECTION_REFUSED');
    const skipped = results.filter((r) => r.error?.code === 'NOT_ATTEMPTED');
    assert.equal(skipped.length, IMAGES - ROUTINES);
    for (const r of skipped) {
      assert.equal(r.status, 'failed');
      assert.equal(r.error?.hint?.kind, 'CONNECTION_REFUSED', 'the not-attempted images carry the hint too');
      assert.match(r.error?.message ?? '', new RegExp(`not attempted: ${down} was unreachable`));
    }
    assert.deepEqual(
      reports.map((d) => [d.registry, d.notAttempted]),
      [[down, IMAGES - ROUTINES]],
      'one report for the registry',
    );
    assert.deepEqual(passes, [], 'no --retry pass over an unreachable registry');
    assert.ok(retries.length > 0 && retries.every((e) => e.registry === down && e.attempts === 3 && e.attempt < e.attempts), 'each retry is announced');
  });
});
