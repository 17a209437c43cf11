import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyImage } from '../../../lib/copy/index.js';
import { seedPlainImage } from '../../support/copy-fixtures.js';
import { MemoryRegistry, type MemoryRepository } from '../../support/memory-registry.js';

const seedImage = (repo: MemoryRepository, tag: string) => seedPlainImage(repo, tag, 'admit', [Buffer.alloc(100, 'a'), Buffer.alloc(100, 'b')]);

// CopyOptions.admit: the caller's limit of images moving bytes is entered after the manifests, left after the blobs
describe('copyImage admit', () => {
  it('reads the manifests before admit resolves, moves blobs only inside it, pushes the tag after release', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedImage(src.repo('a/app'), 'v1');
    const marks: string[] = [];
    const calls = () => [...src.calls, ...dst.calls].length;
    const result = await copyImage(src.repo('a/app'), 'v1', dst.repo('b/app'), 'v1', {
      admit: async () => {
        marks.push(`admit after ${src.calls.join(', ')} | ${dst.calls.join(', ')}`);
        const at = calls();
        return () => {
          const blobCalls = [...src.calls, ...dst.calls].slice(at).length;
          marks.push(`release after ${blobCalls} calls; pushed: ${dst.calls.some((c) => c.startsWith('PUT manifest'))}`);
        };
      },
    });
    assert.equal(result.status, 'copied');
    const [admitted, released] = marks;
    assert.match(admitted!, /^admit after HEAD manifest a\/app:v1, GET manifest a\/app:sha256:[0-9a-f]+ \| HEAD manifest b\/app:v1$/);
    assert.match(released!, /^release after \d+ calls; pushed: false$/);
    assert.ok(Number(/after (\d+)/.exec(released!)![1]) >= 3, 'the blobs move between admit and release');
    assert.equal(dst.calls.at(-1), 'PUT manifest b/app:v1');
  });

  it('is not entered by an image the target has', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedImage(src.repo('a/app'), 'v1');
    await copyImage(src.repo('a/app'), 'v1', dst.repo('b/app'), 'v1');
    let admitted = 0;
    const result = await copyImage(src.repo('a/app'), 'v1', dst.repo('b/app'), 'v1', {
      admit: async () => {
        admitted += 1;
        return () => {};
      },
    });
    assert.equal(result.status, 'skipped');
    assert.equal(admitted, 0);
  });

  it('releases when a blob fails', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst');
    seedImage(src.repo('a/app'), 'v1');
    src.blobsOf('a/app').clear();
    let released = 0;
    await assert.rejects(
      copyImage(src.repo('a/app'), 'v1', dst.repo('b/app'), 'v1', {
        admit: async () => () => {
          released += 1;
        },
      }),
    );
    assert.equal(released, 1);
  });
});
