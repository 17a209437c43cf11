import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { BlobCoordinator, CopyError, type BlobOutcome, type CopyEvent, type InPlaceVerdicts } from '../../../lib/copy/index.js';
import { transferBlob, type BlobTransferContext } from '../../../lib/copy/blob-transfer.js';
import { PushAbandoned, type Descriptor, type ImageTarget } from '../../../lib/oci/index.js';
import { CodedError } from '../../../lib/util/errors.js';
import { MemoryRegistry, MemoryRepository, MountingRepository } from '../../support/memory-registry.js';
import { ChunkedRepository, MemoryCheckpoints } from '../../support/memory-uploads.js';

const bytes = Buffer.from('a layer of twenty-eight byte');
const sysErr = (code: string) => Object.assign(new Error(`stream failed: ${code}`), { code });

interface Run {
  readonly src: MemoryRepository;
  readonly dst: MemoryRegistry;
  readonly desc: Descriptor;
  readonly events: CopyEvent[];
  readonly ctx: (target: ImageTarget, extra?: Partial<BlobTransferContext>) => BlobTransferContext;
}

/** A source repository holding `blob` on src.io (or on `registry`), and a context factory recording events. */
function setup(blob: Buffer = bytes, registry?: MemoryRegistry): Run {
  const src = new MemoryRepository(registry ?? new MemoryRegistry('src.io'), 'lib/app');
  const desc = src.add(blob);
  const events: CopyEvent[] = [];
  const coordinator = new BlobCoordinator();
  const ctx = (target: ImageTarget, extra: Partial<BlobTransferContext> = {}): BlobTransferContext => ({
    source: src,
    target,
    coordinator,
    streamRetries: 2,
    observer: (e) => events.push(e),
    ...extra,
  });
  return { src, dst: registry ?? new MemoryRegistry('dst.io'), desc, events, ctx };
}

const ofType = <T extends CopyEvent['type']>(events: CopyEvent[], type: T) => events.filter((e): e is Extract<CopyEvent, { type: T }> => e.type === type);
/** The progress the bytes events add up to. */
const bytesReported = (events: CopyEvent[]): number => ofType(events, 'bytes').reduce((n, e) => n + e.bytes, 0);

function deferred(): { promise: Promise<BlobOutcome>; resolve: () => void; reject: () => void } {
  let resolve!: () => void;
  let reject!: () => void;
  const promise = new Promise<BlobOutcome>((res, rej) => {
    resolve = () => res('copied');
    reject = () => rej(new Error('failed'));
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

describe('BlobCoordinator', () => {
  it('offers every other repository of the registry known to hold a digest as a mount candidate', () => {
    const c = new BlobCoordinator();
    c.remember('r.io', 'a', 'sha256:1');
    c.remember('r.io', 'b', 'sha256:1');
    c.remember('r.io', 'a', 'sha256:2');
    c.remember('other.io', 'c', 'sha256:1');
    assert.deepEqual(c.mountCandidates('r.io', 'c', 'sha256:1'), ['a', 'b']);
    assert.deepEqual(c.mountCandidates('r.io', 'a', 'sha256:1'), ['b'], 'never the repository that asks');
    assert.deepEqual(c.mountCandidates('r.io', 'a', 'sha256:3'), []);
  });

  it('forgets a transfer once it settles, keeping the others in flight (run-long memory stays bounded)', async () => {
    const c = new BlobCoordinator();
    const one = deferred();
    const two = deferred();
    const first = { repository: 'a', done: one.promise };
    const second = { repository: 'b', done: two.promise };
    c.track('r.io', 'sha256:1', first);
    c.track('r.io', 'sha256:1', second);
    assert.deepEqual(c.inFlight('r.io', 'sha256:1'), [first, second]);
    one.resolve();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(c.inFlight('r.io', 'sha256:1'), [second]);
    two.reject();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(c.inFlight('r.io', 'sha256:1'), []);
    assert.equal((c as unknown as { inflight: Map<string, unknown> }).inflight.size, 0);
  });
});

describe('transferBlob: exists, mount, stream', () => {
  it('skips a blob the target already has: no GET, no push; the event carries its size', async () => {
    const { src, dst, desc, events, ctx } = setup();
    const target = new MemoryRepository(dst, 'team/app');
    dst.blobsOf('team/app').set(desc.digest, bytes);
    assert.equal(await transferBlob(ctx(target), desc), 'skipped');
    assert.deepEqual(src.reg.called('GET'), []);
    assert.deepEqual(dst.called('PUT blob'), []);
    assert.deepEqual(events, [{ type: 'blob', action: 'skipped', digest: desc.digest, size: bytes.length }]);
  });

  it('copies a missing blob byte for byte, pushed under its exact size, progress adding up to it', async () => {
    const { dst, desc, events, ctx } = setup();
    const target = new MemoryRepository(dst, 'team/app');
    assert.equal(await transferBlob(ctx(target), desc), 'copied');
    assert.deepEqual(dst.blobsOf('team/app').get(desc.digest), bytes);
    assert.deepEqual(target.pushed, [desc]);
    assert.equal(bytesReported(events), bytes.length);
    assert.deepEqual(ofType(events, 'blob'), [{ type: 'blob', action: 'copied', digest: desc.digest, size: bytes.length }]);
  });

  it('pushes an empty blob with size 0 and a blob of unknown size (-1) with -1, verified by digest alone', async () => {
    const empty = setup(Buffer.alloc(0));
    const t0 = new MemoryRepository(empty.dst, 'team/app');
    assert.equal(await transferBlob(empty.ctx(t0), empty.desc), 'copied');
    assert.equal(t0.pushed[0]?.size, 0);
    const unknown = setup();
    const t1 = new MemoryRepository(unknown.dst, 'team/app');
    const desc = { ...unknown.desc, size: -1 };
    assert.equal(await transferBlob(unknown.ctx(t1), desc), 'copied');
    assert.equal(t1.pushed[0]?.size, -1);
    assert.deepEqual(unknown.dst.blobsOf('team/app').get(desc.digest), bytes);
    assert.equal(ofType(unknown.events, 'blob')[0]?.size, 0, 'an unknown size is reported as 0, never negative');
  });

  it('passes the caller signal to HEAD, mount, GET and push', async () => {
    const shared = new MemoryRegistry('r.io');
    const { ctx, desc } = setup(bytes, shared);
    const signal = new AbortController().signal;
    const target = new MountingRepository(shared, 'team/app');
    target.refuseMounts = true;
    await transferBlob(ctx(target, { signal }), desc);
    assert.deepEqual(
      shared.calls.map((c) => c.split(' ')[0]),
      ['MOUNT', 'HEAD', 'PUT', 'GET'],
    );
    assert.ok(shared.signals.every((s) => s === signal));
  });

  it('awaits a blob already in flight to the same repository instead of pushing it twice', async () => {
    const { src, dst, desc, ctx } = setup();
    const target = new MemoryRepository(dst, 'team/app');
    const c = ctx(target);
    assert.deepEqual(await Promise.all([transferBlob(c, desc), transferBlob(c, desc)]), ['copied', 'skipped']);
    assert.equal(dst.called('PUT blob').length, 1);
    assert.equal(src.reg.called('GET').length, 1);
  });

  it('tries on its own when the push it waited for fails', async () => {
    const { src, dst, desc, ctx } = setup();
    const target = new MemoryRepository(dst, 'team/app');
    const c = ctx(target);
    src.faults.push({ reject: new Error('refused once') });
    const [first, second] = await Promise.allSettled([transferBlob(c, desc), transferBlob(c, desc)]);
    assert.equal(first.status, 'rejected');
    assert.deepEqual(second, { status: 'fulfilled', value: 'copied' });
    assert.deepEqual(dst.blobsOf('team/app').get(desc.digest), bytes);
  });
});

describe('transferBlob: cross-repository mounts', () => {
  it('mounts from the source repository when source and target share a registry: no GET, no push', async () => {
    const shared = new MemoryRegistry('r.io');
    const { desc, ctx } = setup(bytes, shared);
    const target = new MountingRepository(shared, 'team/app');
    assert.equal(await transferBlob(ctx(target), desc), 'mounted');
    assert.deepEqual(shared.called(), [`MOUNT blob team/app@${desc.digest} from lib/app`]);
  });

  it('never asks for a mount from the source across registries, nor from the repository itself', async () => {
    const { dst, desc, ctx } = setup();
    const target = new MountingRepository(dst, 'team/app');
    assert.equal(await transferBlob(ctx(target), desc), 'copied');
    assert.deepEqual(dst.called('MOUNT'), []);
    const shared = new MemoryRegistry('r.io');
    const same = setup(bytes, shared);
    const self = new MountingRepository(shared, 'lib/app');
    assert.equal(await transferBlob(same.ctx(self), same.desc), 'skipped');
    assert.deepEqual(shared.called('MOUNT'), []);
  });

  it('mounts from another repository of the run that holds the blob', async () => {
    const { dst, desc, ctx } = setup();
    dst.blobsOf('team/base').set(desc.digest, bytes);
    const target = new MountingRepository(dst, 'team/app');
    const c = ctx(target);
    c.coordinator.remember('dst.io', 'team/base', desc.digest);
    assert.equal(await transferBlob(c, desc), 'mounted');
    assert.deepEqual(dst.called(), [`MOUNT blob team/app@${desc.digest} from team/base`]);
  });

  it('copies when the mount is declined (202) or fails: a mount is an optimisation, not a requirement', async () => {
    for (const refuse of [false, true]) {
      const { dst, desc, ctx } = setup();
      const target = new MountingRepository(dst, 'team/app');
      target.refuseMounts = refuse;
      const c = ctx(target);
      c.coordinator.remember('dst.io', 'team/gone', desc.digest); // the run saw it there, the registry no longer has it
      assert.equal(await transferBlob(c, desc), 'copied', `refuse=${refuse}`);
      assert.deepEqual(dst.called(), [
        `MOUNT blob team/app@${desc.digest} from team/gone`,
        `HEAD blob team/app@${desc.digest}`,
        `PUT blob team/app@${desc.digest}`,
      ]);
    }
  });

  it('waits for a transfer of the blob to another repository of the registry, then mounts from it', async () => {
    const { src, dst, desc, ctx } = setup();
    const outcomes = await Promise.all([transferBlob(ctx(new MountingRepository(dst, 'a')), desc), transferBlob(ctx(new MountingRepository(dst, 'b')), desc)]);
    assert.deepEqual(outcomes, ['copied', 'mounted']);
    assert.equal(src.reg.called('GET').length, 1);
  });
});

describe('transferBlob: failures and retries of a streamed blob', () => {
  const transient: [string, unknown][] = [
    ...['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_BODY_TIMEOUT', 'ERR_STREAM_PREMATURE_CLOSE'].map((c): [string, unknown] => [c, sysErr(c)]),
    ['BODY_TIMEOUT', new CodedError('BODY_TIMEOUT', 'no byte for 30 s')],
    ['BODY_TOO_SLOW', new CodedError('BODY_TOO_SLOW', 'below 1 KiB/s')],
    ['a retryable coded error', new CodedError('REGISTRY_HTTP', '503', { retryable: true })],
    ['an error flagged retryable', Object.assign(new Error('flaky'), { retryable: true })],
  ];
  for (const [name, error] of transient) {
    it(`re-reads the source after a transient break (${name}) and reports the retry`, async () => {
      const { src, dst, desc, events, ctx } = setup();
      src.faults.push({ breakAfter: 5, error });
      assert.equal(await transferBlob(ctx(new MemoryRepository(dst, 'team/app')), desc), 'copied');
      assert.equal(src.reg.called('GET').length, 2);
      assert.deepEqual(ofType(events, 'retry'), [{ type: 'retry', digest: desc.digest, attempt: 1, reason: (error as Error).message }]);
      assert.deepEqual(dst.blobsOf('team/app').get(desc.digest), bytes);
    });
  }

  it('re-reads the source after a digest mismatch, and never stores the bad bytes', async () => {
    const { src, dst, desc, ctx } = setup();
    src.faults.push({ bytes: Buffer.from('A LAYER OF TWENTY-EIGHT BYTE') });
    assert.equal(await transferBlob(ctx(new MemoryRepository(dst, 'team/app')), desc), 'copied');
    assert.equal(src.reg.called('GET').length, 2);
    assert.deepEqual(dst.blobsOf('team/app').get(desc.digest), bytes);
  });

  it('gives up after 1 + streamRetries reads with a NETWORK error of the source, nothing stored', async () => {
    for (const streamRetries of [0, 2]) {
      const { src, dst, desc, events, ctx } = setup();
      for (let i = 0; i < 4; i++) src.faults.push({ breakAfter: 3, error: sysErr('ECONNRESET') });
      await assert.rejects(transferBlob(ctx(new MemoryRepository(dst, 'team/app'), { streamRetries }), desc), (err: unknown) => {
        assert.ok(err instanceof CopyError);
        assert.deepEqual([err.code, err.origin, err.ref, err.digest], ['NETWORK', 'source', 'lib/app', desc.digest]);
        return true;
      });
      assert.equal(src.reg.called('GET').length, 1 + streamRetries);
      assert.deepEqual(
        ofType(events, 'retry').map((e) => e.attempt),
        [1, 2].slice(0, streamRetries),
      );
      assert.equal(dst.blobsOf('team/app').size, 0);
    }
  });

  it("fails at once on a source refusal that is not transient, with the source's own error as the cause", async () => {
    for (const refusal of [new CodedError('REGISTRY_HTTP', 'GET blob: 404'), new Error('boom')]) {
      const { src, dst, desc, ctx } = setup();
      src.faults.push({ reject: refusal });
      await assert.rejects(transferBlob(ctx(new MemoryRepository(dst, 'team/app')), desc), (err: unknown) => {
        assert.ok(err instanceof CopyError);
        assert.equal(err.origin, 'source');
        assert.equal(err.ref, 'lib/app');
        assert.equal(err.cause, refusal);
        return true;
      });
      assert.equal(src.reg.called('GET').length, 1);
    }
  });

  it('wraps a port that rejects with no error at all (null) into an INTERNAL CopyError, not a TypeError', async () => {
    const { src, dst, desc, ctx } = setup();
    src.faults.push({ reject: null });
    await assert.rejects(transferBlob(ctx(new MemoryRepository(dst, 'team/app')), desc), (err: unknown) => {
      assert.ok(err instanceof CopyError);
      assert.equal(err.code, 'INTERNAL');
      assert.equal(err.message, `copying blob ${desc.digest} (source): null`);
      return true;
    });
    assert.equal(src.reg.called('GET').length, 1);
  });

  it('does not retry once the run is aborted', async () => {
    const { src, dst, desc, ctx } = setup();
    const abort = new AbortController();
    abort.abort();
    src.faults.push({ breakAfter: 3, error: sysErr('ECONNRESET') });
    await assert.rejects(transferBlob(ctx(new MemoryRepository(dst, 'team/app'), { signal: abort.signal }), desc), { code: 'NETWORK' });
    assert.equal(src.reg.called('GET').length, 1);
  });

  it('a push the target refuses after reading the body is the destination’s error, naming the target repository', async () => {
    const { src, dst, desc, ctx } = setup();
    const target = new MemoryRepository(dst, 'team/app');
    const refusal = new CodedError('REGISTRY_HTTP', 'PUT blob: 400');
    target.pushFault = async (body) => {
      for await (const _ of body);
      throw refusal;
    };
    await assert.rejects(transferBlob(ctx(target), desc), (err: unknown) => {
      assert.ok(err instanceof CopyError);
      assert.deepEqual([err.code, err.origin, err.ref, err.cause], ['REGISTRY_ERROR', 'destination', 'team/app', refusal]);
      return true;
    });
    assert.equal(src.reg.called('GET').length, 1);
  });

  it("a target that gives up (before or while the source answers): the target's error, the source body destroyed", async () => {
    for (const readFirst of [false, true]) {
      const { src, dst, desc, ctx } = setup();
      const target = new MemoryRepository(dst, 'team/app');
      const denied = new CodedError('REGISTRY_UNAUTHORIZED', 'POST upload: 401');
      target.pushFault = async (body: Readable) => {
        if (readFirst) await new Promise((r) => body.once('data', r));
        body.destroy(new PushAbandoned(denied));
        throw denied;
      };
      await assert.rejects(transferBlob(ctx(target), desc), (err: unknown) => {
        assert.ok(err instanceof CopyError);
        assert.deepEqual([err.code, err.origin, err.ref, err.cause], ['UNAUTHORIZED', 'destination', 'team/app', denied], `readFirst=${readFirst}`);
        return true;
      });
      assert.equal(src.reg.called('GET').length, 1);
      assert.ok(src.bodies[0]?.destroyed, 'the source body is closed, not left hanging');
    }
  });

  it('a target that closed the stream without a reason before the body came: says so, names the digest', async () => {
    const { src, dst, desc, ctx } = setup();
    const target = new MemoryRepository(dst, 'team/app');
    target.pushFault = async (body) => {
      body.destroy();
    };
    await assert.rejects(transferBlob(ctx(target), desc), { message: new RegExp(`upload of ${desc.digest} ended before its body$`) });
    assert.ok(src.bodies[0]?.destroyed);
  });
});

describe('transferBlob: checkpointed uploads of big blobs', () => {
  it('takes the checkpointed path from thresholdBytes on; below it, by default, or without chunked uploads, one push', async () => {
    const cases: [string, Buffer, number | undefined, boolean, string][] = [
      ['at the threshold', bytes, bytes.length, true, 'PATCH'],
      ['one byte below', bytes, bytes.length + 1, true, 'PUT'],
      ['300 KiB under the 256 MiB default', Buffer.alloc(300 * 1024, 1), undefined, true, 'PUT'],
      ['a target without chunked uploads', bytes, 1, false, 'PUT'],
    ];
    for (const [name, blob, thresholdBytes, chunked, verb] of cases) {
      const { dst, desc, ctx } = setup(blob);
      const target = chunked ? new ChunkedRepository(dst, 'team/app') : new MemoryRepository(dst, 'team/app');
      const store = new MemoryCheckpoints();
      assert.equal(await transferBlob(ctx(target, { resumable: { store, thresholdBytes, chunkBytes: 10 } }), desc), 'copied', name);
      assert.deepEqual(
        dst.called().map((c) => c.split(' ')[0]),
        verb === 'PATCH' ? ['HEAD', 'OPEN', 'PATCH', 'PATCH', 'PATCH', 'COMMIT'] : ['HEAD', 'PUT'],
        name,
      );
      assert.deepEqual(dst.blobsOf('team/app').get(desc.digest), blob, name);
    }
  });

  it('after a transient failure, continues from the last checkpoint and reports the retry', async () => {
    const { dst, desc, events, ctx } = setup();
    const target = new ChunkedRepository(dst, 'team/app');
    const store = new MemoryCheckpoints();
    let failed = false;
    target.chunkFault = (n) => {
      if (n === 1 && !failed) {
        failed = true;
        throw sysErr('ECONNRESET');
      }
    };
    assert.equal(await transferBlob(ctx(target, { resumable: { store, thresholdBytes: 1, chunkBytes: 10 } }), desc), 'copied');
    assert.deepEqual(dst.called('OPEN'), [`OPEN upload team/app@${desc.digest} at none`, `OPEN upload team/app@${desc.digest} at 10`]);
    assert.deepEqual(ofType(events, 'retry'), [{ type: 'retry', digest: desc.digest, attempt: 1, reason: 'stream failed: ECONNRESET' }]);
    assert.deepEqual(target.chunks, [10, 10, 8]);
  });

  it('after a digest mismatch, discards the checkpoint and starts over; bad bytes are never committed', async () => {
    const { src, dst, desc, ctx } = setup();
    const target = new ChunkedRepository(dst, 'team/app');
    const store = new MemoryCheckpoints();
    src.faults.push({ bytes: Buffer.from('A LAYER OF TWENTY-EIGHT BYTE') });
    assert.equal(await transferBlob(ctx(target, { resumable: { store, thresholdBytes: 1, chunkBytes: 10 } }), desc), 'copied');
    assert.deepEqual(dst.called('OPEN'), [`OPEN upload team/app@${desc.digest} at none`, `OPEN upload team/app@${desc.digest} at none`]);
    // the whole small blob is verified before its first chunk leaves: the mismatch costs no PATCH
    assert.deepEqual(store.log, ['put 0', 'delete', 'put 0', 'put 10', 'put 20', 'put 28', 'delete']);
    assert.equal(dst.called('COMMIT').length, 1);
    assert.deepEqual(dst.blobsOf('team/app').get(desc.digest), bytes);
  });

  it('gives up after 1 + streamRetries attempts: a lasting mismatch is the source’s, a lasting reset the destination’s', async () => {
    const { src, dst, desc, events, ctx } = setup();
    const store = new MemoryCheckpoints();
    const resumable = { store, thresholdBytes: 1, chunkBytes: 10 };
    for (let i = 0; i < 3; i++) src.faults.push({ bytes: Buffer.from('A LAYER OF TWENTY-EIGHT BYTE') });
    await assert.rejects(transferBlob(ctx(new ChunkedRepository(dst, 'one'), { resumable, streamRetries: 1 }), desc), (err: unknown) => {
      assert.ok(err instanceof CopyError);
      assert.deepEqual([err.code, err.origin, err.ref], ['DIGEST_MISMATCH', 'source', 'lib/app']);
      return true;
    });
    assert.equal(dst.called('OPEN upload one@').length, 2);
    assert.deepEqual(
      ofType(events, 'retry').map((e) => e.attempt),
      [1],
    );
    src.faults.length = 0;
    const target = new ChunkedRepository(dst, 'two');
    target.chunkFault = () => {
      throw sysErr('ECONNRESET');
    };
    await assert.rejects(transferBlob(ctx(target, { resumable, streamRetries: 2 }), desc), (err: unknown) => {
      assert.ok(err instanceof CopyError);
      assert.deepEqual([err.code, err.origin, err.ref], ['NETWORK', 'destination', 'two']);
      return true;
    });
    assert.equal(dst.called('OPEN upload two@').length, 3);
    assert.deepEqual(dst.called('COMMIT'), []);
  });

  it('does not retry a suspended upload, an aborted run, or an error that is not transient', async () => {
    const stop = new AbortController();
    stop.abort();
    const abort = new AbortController();
    abort.abort();
    const cases: [string, Partial<BlobTransferContext>, (() => void) | undefined, string][] = [
      ['suspended', {}, undefined, 'SUSPENDED'],
      [
        'aborted',
        { signal: abort.signal },
        () => {
          throw sysErr('ECONNRESET');
        },
        'NETWORK',
      ],
      [
        'not transient',
        {},
        () => {
          throw new CodedError('REGISTRY_HTTP', 'PATCH: 416');
        },
        'REGISTRY_ERROR',
      ],
    ];
    for (const [name, extra, fault, code] of cases) {
      const { dst, desc, ctx } = setup();
      const target = new ChunkedRepository(dst, 'team/app');
      target.chunkFault = fault;
      const resumable = { store: new MemoryCheckpoints(), thresholdBytes: 1, chunkBytes: 10, stopSignal: name === 'suspended' ? stop.signal : undefined };
      await assert.rejects(transferBlob(ctx(target, { ...extra, resumable }), desc), { code }, name);
      assert.equal(dst.called('OPEN').length, 1, name);
    }
  });
});

/** A target whose HEAD answers only when `open` is called; its push waits for its signal when `waitForCancel`. */
class GatedTarget extends MemoryRepository {
  private release: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  headAnswer: () => boolean = () => false;
  waitForCancel = false;
  readonly pushSignals: AbortSignal[] = [];

  open(): void {
    this.release();
  }

  override async hasBlob(digest: string, options?: { signal?: AbortSignal }): Promise<boolean> {
    this.reg.log(`HEAD blob ${this.repository}@${digest}`, options);
    await this.gate;
    return this.headAnswer();
  }

  override async pushBlob(descriptor: Descriptor, body: Readable, options?: { signal?: AbortSignal }): Promise<void> {
    if (options?.signal) this.pushSignals.push(options.signal);
    if (!this.waitForCancel) return super.pushBlob(descriptor, body, options);
    this.reg.log(`PUT blob ${this.repository}@${descriptor.digest}`, options);
    body.once('error', () => undefined);
    body.resume();
    await new Promise((_, reject) => options?.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true }));
  }
}

/** Lets queued callbacks run (a bounded number of turns: no clock involved). */
async function turns(n = 50): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

describe('transferBlob: speculative transfers under a manifest the target lacks (one round trip less per blob)', () => {
  it('starts the GET and the push beside the HEAD; a missing blob is copied and its bytes reported once the HEAD says so', async () => {
    const { src, dst, desc, events, ctx } = setup();
    const target = new GatedTarget(dst, 'team/app');
    const outcome = transferBlob(ctx(target, { speculate: true }), desc);
    await turns();
    assert.deepEqual(
      [src.reg.called('GET').length, dst.called('PUT blob').length, dst.called('HEAD').length],
      [1, 1, 1],
      'all three out before the HEAD answers',
    );
    assert.deepEqual(ofType(events, 'bytes'), [], 'no progress before the HEAD has answered');
    target.open();
    assert.equal(await outcome, 'copied');
    assert.deepEqual(dst.blobsOf('team/app').get(desc.digest), bytes);
    assert.equal(bytesReported(events), bytes.length, 'every byte reported, once');
  });

  it('a blob the HEAD finds after all: the transfer is cancelled through its signal, skipped, no bytes reported', async () => {
    const { src, dst, desc, events, ctx } = setup();
    const target = new GatedTarget(dst, 'team/app');
    target.headAnswer = () => true;
    target.waitForCancel = true;
    const outcome = transferBlob(ctx(target, { speculate: true }), desc);
    await turns();
    target.open();
    assert.equal(await outcome, 'skipped');
    assert.equal(target.pushSignals[0]?.aborted, true, 'the upload was cancelled');
    assert.ok(src.bodies[0]?.destroyed, 'the source body is closed');
    assert.deepEqual(events, [{ type: 'blob', action: 'skipped', digest: desc.digest, size: bytes.length }]);
  });

  it("a HEAD that fails is the destination's error, and the transfer beside it is cancelled", async () => {
    const { dst, desc, ctx } = setup();
    const target = new GatedTarget(dst, 'team/app');
    const refused = new CodedError('REGISTRY_UNAUTHORIZED', 'HEAD blob: 403');
    target.headAnswer = () => {
      throw refused;
    };
    target.waitForCancel = true;
    const outcome = transferBlob(ctx(target, { speculate: true }), desc);
    await turns();
    target.open();
    await assert.rejects(outcome, (err: unknown) => {
      assert.ok(err instanceof CopyError, String(err));
      assert.deepEqual([err.code, err.op, err.origin, err.cause], ['UNAUTHORIZED', 'copy-blob', 'destination', refused]);
      return true;
    });
    assert.equal(target.pushSignals[0]?.aborted, true, 'the upload was cancelled');
  });

  it('aborting the caller aborts the speculative transfer', async () => {
    const { dst, desc, ctx } = setup();
    const target = new GatedTarget(dst, 'team/app');
    target.waitForCancel = true;
    const caller = new AbortController();
    const outcome = transferBlob(ctx(target, { speculate: true, signal: caller.signal }), desc);
    await turns();
    caller.abort(new Error('stopped'));
    target.open();
    await assert.rejects(outcome);
    assert.equal(target.pushSignals[0]?.aborted, true);
  });

  it('a checkpointed upload never speculates: HEAD first, then the session', async () => {
    const { dst, desc, ctx } = setup();
    const target = new ChunkedRepository(dst, 'team/app');
    const resumable = { store: new MemoryCheckpoints(), thresholdBytes: bytes.length, chunkBytes: 10 };
    assert.equal(await transferBlob(ctx(target, { resumable, speculate: true }), desc), 'copied');
    assert.deepEqual(
      dst.called().map((c) => c.split(' ')[0]),
      ['HEAD', 'OPEN', 'PATCH', 'PATCH', 'PATCH', 'COMMIT'],
    );
  });
});

/** Mounts from other repositories, but declines (202) a mount into the repository itself. */
class NoSelfMount extends MountingRepository {
  override mountBlob(digest: string, from: string, options?: { signal?: AbortSignal }): Promise<boolean> {
    return from === this.repository ? Promise.resolve(false) : super.mountBlob(digest, from, options);
  }
}

describe("transferBlob: the upload's start as the presence check, on a registry that mounts into the repository itself", () => {
  it('learns it once per registry from a blob that landed; then a missing blob is copied and a present one skipped, without a HEAD', async () => {
    const { src, dst, desc, events, ctx } = setup();
    const [missing, present] = [src.add(Buffer.from('missing blob')), src.add(Buffer.from('present blob'))];
    const target = new MountingRepository(dst, 'team/app');
    assert.equal(await transferBlob(ctx(target, { speculate: true }), desc), 'copied');
    await turns();
    assert.deepEqual(dst.called('MOUNT'), [`MOUNT blob team/app@${desc.digest} from team/app`], 'asked once, with the blob that landed');
    assert.equal(dst.count('HEAD'), 1, 'the first blob was checked with a HEAD');

    assert.equal(await transferBlob(ctx(target, { speculate: true }), missing), 'copied');
    dst.blobsOf('team/app').set(present.digest, Buffer.from('present blob'));
    events.length = 0;
    assert.equal(await transferBlob(ctx(target, { speculate: true }), present), 'skipped');
    assert.deepEqual(events, [{ type: 'blob', action: 'skipped', digest: present.digest, size: present.size }], 'no bytes of a blob found present');
    assert.equal(dst.count('HEAD'), 1, 'no HEAD once learnt');
    assert.deepEqual(dst.called('ASK'), [`ASK blob team/app@${missing.digest}`, `ASK blob team/app@${present.digest}`]);
    assert.deepEqual(dst.called('PUT blob').length, 2, 'the present blob was not pushed');
    assert.deepEqual(dst.blobsOf('team/app').get(missing.digest), Buffer.from('missing blob'));

    const other = new MountingRepository(dst, 'team/other');
    assert.equal(await transferBlob(ctx(other, { speculate: true }), src.add(Buffer.from('third blob'))), 'copied');
    await turns();
    assert.equal(dst.count('MOUNT blob team/other'), 0, 'the registry was asked once');
    assert.equal(dst.count('HEAD'), 1);
  });

  it('an answer outlives its coordinator when the verdicts are shared (one coordinator per image in a function)', async () => {
    const { src, dst, desc, ctx } = setup();
    const target = new MountingRepository(dst, 'team/app');
    const verdicts: InPlaceVerdicts = new Map();
    assert.equal(await transferBlob(ctx(target, { speculate: true, coordinator: new BlobCoordinator(verdicts) }), desc), 'copied');
    await turns();
    assert.deepEqual([...verdicts], [['dst.io', true]]);
    const next = new BlobCoordinator(verdicts);
    assert.equal(await transferBlob(ctx(target, { speculate: true, coordinator: next }), src.add(Buffer.from('next image'))), 'copied');
    await turns();
    assert.deepEqual([dst.count('HEAD'), dst.count('MOUNT'), dst.count('ASK')], [1, 1, 1], 'the second coordinator neither asked nor sent a HEAD');
  });

  it('asks again after a question called off with its image; a target that pushes without answering has copied the blob', async () => {
    const { src, dst, desc, events, ctx } = setup();
    const target = new MountingRepository(dst, 'team/app');
    const mount = target.mountBlob.bind(target);
    // the first question waits for its caller to give up
    target.mountBlob = (digest, from, options) =>
      dst.count('MOUNT') > 0 || !options?.signal
        ? mount(digest, from, options)
        : new Promise((_, reject) => options.signal?.addEventListener('abort', () => reject(options.signal?.reason)));
    const caller = new AbortController();
    assert.equal(await transferBlob(ctx(target, { speculate: true, signal: caller.signal }), desc), 'copied');
    caller.abort(new Error('image called off'));
    await turns();
    assert.equal(await transferBlob(ctx(target, { speculate: true }), src.add(Buffer.from('second blob'))), 'copied');
    await turns();
    assert.equal(dst.count('MOUNT'), 1, 'asked again, and answered');
    // a target that ignores ifAbsent pushes: the end of its push is the answer
    target.pushBlob = (d, body, options) => MemoryRepository.prototype.pushBlob.call(target, d, body, { ...options, ifAbsent: undefined });
    events.length = 0;
    const third = src.add(Buffer.from('third blob'));
    assert.equal(await transferBlob(ctx(target, { speculate: true }), third), 'copied');
    assert.equal(dst.count('HEAD'), 2, 'no HEAD once answered');
    assert.equal(bytesReported(events), third.size, 'its bytes reported');
  });

  it('a retried push that finds the blob its failed attempt committed after all: copied, not pushed again', async () => {
    const { src, dst, desc, events, ctx } = setup();
    const target = new MountingRepository(dst, 'team/app');
    assert.equal(await transferBlob(ctx(target, { speculate: true }), desc), 'copied');
    await turns();
    const next = src.add(Buffer.from('committed, then the connection reset'));
    const push = target.pushBlob.bind(target);
    let attempts = 0;
    target.pushBlob = async (d, body, options) => {
      await push(d, body, options);
      // the registry stored it, but its answer was lost
      if (++attempts === 1) throw sysErr('ECONNRESET');
    };
    assert.equal(await transferBlob(ctx(target, { speculate: true }), next), 'copied');
    assert.equal(attempts, 2, 'the retry asked, heard "present", and stopped');
    assert.deepEqual(ofType(events, 'retry').length, 1);
  });

  it('keeps the HEAD on a registry that declines the mount into the repository itself, or fails it, and outside speculation', async () => {
    for (const make of [
      (r: MemoryRegistry) => new NoSelfMount(r, 'team/app'),
      (r: MemoryRegistry) => Object.assign(new MountingRepository(r, 'team/app'), { refuseMounts: true }),
    ]) {
      const { src, dst, desc, ctx } = setup();
      const target = make(dst);
      assert.equal(await transferBlob(ctx(target, { speculate: true }), desc), 'copied');
      await turns();
      assert.equal(await transferBlob(ctx(target, { speculate: true }), src.add(Buffer.from('next blob'))), 'copied');
      assert.deepEqual([dst.count('HEAD'), dst.count('ASK')], [2, 0], target.constructor.name);
    }
    const { dst, desc, ctx } = setup();
    const target = new MountingRepository(dst, 'team/app');
    assert.equal(await transferBlob(ctx(target), desc), 'copied');
    await turns();
    assert.deepEqual([dst.count('MOUNT'), dst.count('ASK')], [0, 0], 'a blob under a manifest the target has is checked with a HEAD, nothing learnt');
  });
});
