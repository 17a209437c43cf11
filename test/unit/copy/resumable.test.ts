import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CopyError, type CopyEvent } from '../../../lib/copy/index.js';
import { checkpointKey, DEFAULT_THRESHOLD, streamBlobResumable } from '../../../lib/copy/resumable.js';
import { sha256Digest } from '../../../lib/oci/index.js';
import { MemoryRegistry, MemoryRepository } from '../../support/memory-registry.js';
import { ChunkedRepository, MemoryCheckpoints } from '../../support/memory-uploads.js';

const blob = Buffer.from('resumable blob bytes'); // 20 bytes

function setup(bytes = blob) {
  const src = new MemoryRepository(new MemoryRegistry('src.io'), 'lib/app');
  const reg = new MemoryRegistry('dst.io');
  const target = new ChunkedRepository(reg, 'team/app');
  const desc = src.add(bytes);
  const store = new MemoryCheckpoints();
  const events: CopyEvent[] = [];
  const signal = new AbortController().signal;
  return { src, reg, target, desc, store, events, signal, key: checkpointKey(target, desc.digest) };
}

describe('streamBlobResumable', () => {
  it('keys checkpoints by registry/repository@digest of the target', () => {
    const { target, desc } = setup();
    assert.equal(checkpointKey(target, desc.digest), `dst.io/team/app@${desc.digest}`);
  });

  it('uploads in chunks of chunkBytes (the last one short), checkpoints after each, commits, then forgets the checkpoint', async () => {
    const { src, reg, target, desc, store, events, key } = setup();
    await streamBlobResumable(src, target, desc, { store, chunkBytes: 8, observer: (e) => events.push(e) });
    assert.deepEqual(target.chunks, [8, 8, 4]);
    assert.deepEqual(store.log, ['put 0', 'put 8', 'put 16', 'put 20', 'delete']);
    assert.equal(store.saved.has(key), false);
    assert.deepEqual(reg.blobsOf('team/app').get(desc.digest), blob);
    // a fresh upload is not reported as resumed; progress counts each chunk once
    assert.deepEqual(
      events,
      [8, 8, 4].map((bytes) => ({ type: 'bytes', bytes })),
    );
  });

  it('resumes from a saved checkpoint: reads the source from byte 0 but sends only the bytes the registry lacks', async () => {
    const { src, reg, target, desc, store, events, key } = setup();
    target.chunkFault = (n) => {
      if (n === 1) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    };
    await assert.rejects(streamBlobResumable(src, target, desc, { store, chunkBytes: 8 }), { message: 'reset' });
    assert.equal(store.saved.get(key)?.offset, 8, 'the checkpoint of the last whole chunk survives the failure');
    target.chunkFault = undefined;
    await streamBlobResumable(src, target, desc, { store, chunkBytes: 8, observer: (e) => events.push(e) });
    assert.deepEqual(events[0], { type: 'resumed', digest: desc.digest, offset: 8 });
    assert.deepEqual(target.chunks, [8, 8, 4]);
    assert.deepEqual(reg.called('GET'), [], 'the source is another registry');
    assert.deepEqual(src.reg.called('GET'), [`GET blob lib/app@${desc.digest}`, `GET blob lib/app@${desc.digest}`]);
    assert.deepEqual(reg.blobsOf('team/app').get(desc.digest), blob);
  });

  it('sends a blob smaller than the default chunk (64 MiB) as one chunk of its exact size', async () => {
    const big = Buffer.alloc(100 * 1024, 7); // above 64 KiB: a chunk size off by a factor of 1024 shows
    const { src, target, desc, store } = setup(big);
    await streamBlobResumable(src, target, desc, { store });
    assert.deepEqual(target.chunks, [big.length]);
  });

  it('uses checkpointed uploads only from 256 MiB on by default', () => {
    assert.equal(DEFAULT_THRESHOLD, 256 * 1024 * 1024);
  });

  it('passes the caller signal to every request (open, GET, PATCH, commit)', async () => {
    const { src, reg, target, desc, store, signal } = setup();
    await streamBlobResumable(src, target, desc, { store, chunkBytes: 8, signal });
    const calls = [...src.reg.calls, ...reg.calls];
    const signals = [...src.reg.signals, ...reg.signals];
    assert.deepEqual(
      calls.map((c) => c.split(' ')[0]),
      ['GET', 'OPEN', 'PATCH', 'PATCH', 'PATCH', 'COMMIT'],
    );
    assert.ok(signals.every((s) => s === signal));
  });

  it('suspends between chunks on the stop signal: SUSPENDED, checkpoint kept, source closed, nothing committed', async () => {
    const { src, reg, target, desc, store, key } = setup();
    const stop = new AbortController();
    target.chunkFault = (n) => n === 0 && stop.abort();
    await assert.rejects(streamBlobResumable(src, target, desc, { store, chunkBytes: 8, stopSignal: stop.signal }), (err: unknown) => {
      assert.ok(err instanceof CopyError);
      assert.equal(err.code, 'SUSPENDED');
      assert.equal(err.origin, 'destination');
      assert.equal(err.ref, key);
      assert.equal(err.message, `upload of ${desc.digest} suspended at 8 of 20 bytes; it resumes from there`);
      return true;
    });
    assert.deepEqual(target.chunks, [8]);
    assert.equal(store.saved.get(key)?.offset, 8);
    assert.ok(src.bodies[0]?.destroyed, 'the source body is closed');
    assert.deepEqual(reg.called('COMMIT'), []);
  });

  it('closes the source body when a chunk is refused (a retry must not leave the previous GET open)', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 7);
    const { src, reg, target, desc, store } = setup(big);
    target.chunkFault = (n) => {
      if (n === 1) throw new Error('PATCH refused: 503');
    };
    await assert.rejects(streamBlobResumable(src, target, desc, { store, chunkBytes: 64 * 1024 }), /PATCH refused/);
    assert.deepEqual(target.chunks, [64 * 1024]);
    assert.ok(src.bodies[0]?.destroyed, 'the source body is closed');
    assert.deepEqual(reg.called('COMMIT'), []);
  });

  it('commits nothing when the source bytes do not match the digest', async () => {
    const { src, reg, target, desc, store } = setup();
    src.faults.push({ bytes: Buffer.from('RESUMABLE BLOB BYTES') }); // same size, other bytes
    await assert.rejects(streamBlobResumable(src, target, desc, { store, chunkBytes: 8 }), { code: 'DIGEST_MISMATCH' });
    assert.deepEqual(reg.called('COMMIT'), []);
    assert.equal(reg.blobsOf('team/app').has(desc.digest), false);
    assert.notEqual(sha256Digest(Buffer.from('RESUMABLE BLOB BYTES')), desc.digest);
  });
});
