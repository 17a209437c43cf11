import { pipeline } from 'node:stream/promises';
import {
  canMount,
  canResume,
  DigestMismatchError,
  DigestVerifier,
  PushAbandoned,
  type CallOptions,
  type Descriptor,
  type ImageSource,
  type ImageTarget,
} from '../oci/index.js';
import type { BlobCoordinator, BlobOutcome, InFlight } from './blob-coordinator.js';
import { toCopyError } from './errors.js';
import type { CopyObserver } from './events.js';
import { checkpointKey, DEFAULT_THRESHOLD, streamBlobResumable, type ResumableOptions } from './resumable.js';
import { CodedError, hasCode, systemCodeOf } from '../util/errors.js';

export interface BlobTransferContext {
  readonly source: ImageSource;
  readonly target: ImageTarget;
  readonly coordinator: BlobCoordinator;
  readonly observer?: CopyObserver;
  /** Whole-blob re-attempts after a failed stream (each re-reads the source). @default 2 */
  readonly streamRetries: number;
  readonly resumable?: ResumableOptions;
  readonly signal?: AbortSignal;
  /**
   * The blob is probably absent at the target (its manifest is): the source GET and the upload start
   * beside the HEAD instead of after it, one round trip less per blob. When the HEAD finds the blob after
   * all, the transfer is cancelled (its upload deleted) and its bytes are not reported.
   */
  readonly speculate?: boolean;
}

/** Ensures one blob exists at the target: exists -> mount -> stream, deduplicated across the run. */
export function transferBlob(ctx: BlobTransferContext, blob: Descriptor): Promise<BlobOutcome> {
  const { target, coordinator } = ctx;
  // only transfers that started before this one are awaited: waiting on later ones could form a cycle
  const earlier = coordinator.inFlight(target.registry, blob.digest);
  const same = earlier.find((e) => e.repository === target.repository);
  let done: Promise<BlobOutcome>;
  if (same) {
    // if the other image's push fails (or is aborted with its image), try on our own
    done = same.done.then(
      () => 'skipped' as const,
      () => ensureBlob(ctx, blob, []),
    );
  } else {
    done = ensureBlob(ctx, blob, earlier);
    coordinator.track(target.registry, blob.digest, { repository: target.repository, done });
  }
  return done.then((outcome) => {
    coordinator.remember(target.registry, target.repository, blob.digest);
    if (ctx.speculate && canMount(target)) coordinator.learnInPlace(target, blob.digest, ctx.signal);
    ctx.observer?.({ type: 'blob', action: outcome, digest: blob.digest, size: Math.max(blob.size, 0) });
    return outcome;
  });
}

async function ensureBlob(ctx: BlobTransferContext, blob: Descriptor, earlier: readonly InFlight[]): Promise<BlobOutcome> {
  const { source, target, coordinator, signal } = ctx;
  const opts: CallOptions = { signal };
  if (canMount(target)) {
    // a copy known elsewhere in this registry costs one mount request instead of HEAD + mount
    await Promise.allSettled(earlier.map((e) => e.done));
    const candidates = coordinator.mountCandidates(target.registry, target.repository, blob.digest);
    if (source.registry === target.registry && source.repository !== target.repository) candidates.unshift(source.repository);
    for (const from of new Set(candidates)) {
      try {
        if (await target.mountBlob(blob.digest, from, opts)) return 'mounted';
      } catch {
        // a refused mount is not a failure: fall through to the next candidate, then to a copy
      }
    }
  }
  const { resumable } = ctx;
  const checkpointed = resumable && canResume(target) && blob.size >= (resumable.thresholdBytes ?? DEFAULT_THRESHOLD);
  if (ctx.speculate && !checkpointed) return speculativeBlob(ctx, blob);
  if (await existsAtTarget(ctx, blob)) return 'skipped';
  if (checkpointed) {
    await withBlobRetries(ctx, blob, () => streamBlobResumable(source, target, blob, { ...resumable, observer: ctx.observer, signal }));
  } else {
    await streamBlob(ctx, blob);
  }
  return 'copied';
}

function existsAtTarget(ctx: BlobTransferContext, blob: Descriptor): Promise<boolean> {
  return ctx.target.hasBlob(blob.digest, { signal: ctx.signal }).catch((err: unknown) => {
    throw toCopyError(err, 'copy-blob', 'destination', ctx.target.repository, blob.digest);
  });
}

/**
 * Presence check and transfer at once (BlobTransferContext.speculate): a HEAD beside the transfer, or,
 * on a registry that answers a mount into the repository itself (BlobCoordinator.inPlace), the upload's
 * own start (PushOptions.ifAbsent), one request less. The check decides; its failure fails the blob.
 */
async function speculativeBlob(ctx: BlobTransferContext, blob: Descriptor): Promise<BlobOutcome> {
  const cancel = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, cancel.signal]) : cancel.signal;
  // bytes are reported once the check has said the blob is missing, never for a cancelled transfer
  let held = 0;
  let decided = false;
  const observer = ctx.observer && ((e: Parameters<CopyObserver>[0]) => (e.type === 'bytes' && !decided ? void (held += e.bytes) : ctx.observer?.(e)));
  let answer: ((present: boolean) => void) | undefined;
  const answered = ctx.coordinator.inPlace(ctx.target.registry) ? new Promise<boolean>((resolve) => (answer = resolve)) : undefined;
  const streaming = streamBlob({ ...ctx, observer, signal }, blob, answer);
  // settled below on every path; handled now, since it may fail while the check is out
  streaming.catch(() => undefined);
  let exists: boolean;
  try {
    // a transfer that ends before any answer (a target that ignored ifAbsent) found the blob missing
    exists = await (answered ? Promise.race([answered, streaming.then(() => false)]) : existsAtTarget(ctx, blob));
  } catch (err) {
    cancel.abort(err);
    await streaming.catch(() => undefined);
    throw err;
  }
  decided = true;
  if (exists) {
    cancel.abort(new Error(`${blob.digest} is already at the target`));
    // the transfer may have finished first: either way the blob is there
    await streaming.catch(() => undefined);
    return 'skipped';
  }
  if (held > 0) ctx.observer?.({ type: 'bytes', bytes: held });
  await streaming;
  return 'copied';
}

/** Streams the blob; with `ifAbsent`, the target may find it present instead (PushOptions.ifAbsent): 'present'. */
async function streamBlob(ctx: BlobTransferContext, blob: Descriptor, ifAbsent?: (present: boolean) => void): Promise<'copied' | 'present'> {
  const { source, target, signal } = ctx;
  for (let attempt = 0; ; attempt++) {
    let origin: 'source' | 'destination' = 'source';
    try {
      const size = blob.size >= 0 ? blob.size : undefined;
      const verifier = new DigestVerifier({ digest: blob.digest, size }, undefined, (n) => ctx.observer?.({ type: 'bytes', bytes: n }));
      let sourceFailed = false;
      // the upload is opened (POST) while the source answers the GET: one round trip less per blob
      let present = false;
      const asked = ifAbsent && {
        ifAbsent: (answer: boolean) => {
          present = answer;
          ifAbsent(answer);
        },
      };
      const pushing = target.pushBlob({ ...blob, size: size ?? -1 }, verifier, { signal, ...asked });
      const feeding = source
        .fetchBlob(blob, { signal })
        .then((body) => {
          body.once('error', () => (sourceFailed = true));
          if (!verifier.destroyed) return pipeline(body, verifier);
          // the target gave up before the source answered
          body.destroy();
          throw verifier.errored ?? new Error(`upload of ${blob.digest} ended before its body`);
        })
        .catch((err: unknown) => {
          sourceFailed = true;
          // a GET refused before any byte: the waiting upload must not wait for a body that never comes
          verifier.destroy(err as Error);
          throw err;
        });
      origin = 'destination';
      const [fed, pushed] = await Promise.allSettled([feeding, pushing]);
      // the target holds the blob and read none of it (it resolves then): the source's stream was cut on purpose
      if (present) return 'present';
      // a target that gave up destroyed the stream (PushAbandoned): the cause is the target's
      if (fed.status === 'rejected' && fed.reason instanceof PushAbandoned && pushed.status === 'rejected') throw pushed.reason;
      if (fed.status === 'rejected') {
        origin = 'source';
        throw fed.reason;
      }
      if (pushed.status === 'rejected') {
        origin = sourceFailed ? 'source' : 'destination';
        throw pushed.reason;
      }
      return 'copied';
    } catch (err) {
      const retryable = !signal?.aborted && isRetryableBlobError(err);
      if (!retryable || attempt >= ctx.streamRetries) {
        throw toCopyError(err, 'copy-blob', origin, origin === 'source' ? source.repository : target.repository, blob.digest);
      }
      ctx.observer?.({ type: 'retry', digest: blob.digest, attempt: attempt + 1, reason: (err as Error).message });
    }
  }
}

/** Re-runs a checkpointed upload after transient failures; it continues from its last checkpoint. */
async function withBlobRetries(ctx: BlobTransferContext, blob: Descriptor, fn: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DigestMismatchError) await ctx.resumable?.store.delete(checkpointKey(ctx.target, blob.digest));
      if (hasCode(err, 'SUSPENDED') || ctx.signal?.aborted || !isRetryableBlobError(err) || attempt >= ctx.streamRetries) {
        const origin = err instanceof DigestMismatchError ? 'source' : 'destination';
        throw toCopyError(err, 'copy-blob', origin, origin === 'source' ? ctx.source.repository : ctx.target.repository, blob.digest);
      }
      ctx.observer?.({ type: 'retry', digest: blob.digest, attempt: attempt + 1, reason: (err as Error).message });
    }
  }
}

const RETRYABLE_STREAM_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_BODY_TIMEOUT',
  'BODY_TIMEOUT',
  'BODY_TOO_SLOW',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

function isRetryableBlobError(err: unknown): boolean {
  if (err instanceof DigestMismatchError) return true;
  if (err instanceof CodedError) return err.retryable || RETRYABLE_STREAM_CODES.has(err.code);
  if ((err as { retryable?: unknown })?.retryable === true) return true;
  return RETRYABLE_STREAM_CODES.has(systemCodeOf(err) ?? '');
}
