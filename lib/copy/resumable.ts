import { pipeline } from 'node:stream/promises';
import { DigestVerifier, type CheckpointStore, type Descriptor, type ImageSource, type ImageTarget, type ResumableTarget } from '../oci/index.js';
import { ByteReader } from './byte-reader.js';
import { CopyError } from './errors.js';
import type { CopyObserver } from './events.js';

export interface ResumableOptions {
  readonly store: CheckpointStore;
  /** Blobs at least this large go through checkpointed chunked uploads. @default 256 MiB */
  readonly thresholdBytes?: number;
  /** Bytes per PATCH; a checkpoint is written after each. @default 64 MiB */
  readonly chunkBytes?: number;
  /** Soft stop: checked between chunks; the transfer saves its checkpoint and fails with SUSPENDED. */
  readonly stopSignal?: AbortSignal;
}

export const DEFAULT_THRESHOLD = 256 * 1024 * 1024;
const DEFAULT_CHUNK = 64 * 1024 * 1024;

export function checkpointKey(target: ImageTarget, digest: string): string {
  return `${target.registry}/${target.repository}@${digest}`;
}

/**
 * Chunked, checkpointed upload of one blob. The source is read from byte 0 so the digest covers every
 * byte (downloads are cheap next to uploads); the bytes the registry already holds are not sent again.
 */
export async function streamBlobResumable(
  source: ImageSource,
  target: ImageTarget & ResumableTarget,
  blob: Descriptor,
  options: ResumableOptions & { observer?: CopyObserver; signal?: AbortSignal },
): Promise<void> {
  const { store, signal } = options;
  const key = checkpointKey(target, blob.digest);
  let checkpoint = await target.openUpload(blob.digest, await store.get(key), { signal });
  if (checkpoint.offset > 0) options.observer?.({ type: 'resumed', digest: blob.digest, offset: checkpoint.offset });
  await store.put(key, checkpoint);
  const body = await source.fetchBlob(blob, { signal });
  // contract: an attempt that fails after the GET (a refused chunk, a mismatch, a suspension) closes the
  // source body, so a retry never leaves the previous connection held until its body times out
  try {
    const verifier = new DigestVerifier({ digest: blob.digest, size: blob.size });
    const feeding = pipeline(body, verifier);
    feeding.catch(() => undefined);
    const reader = new ByteReader(verifier);
    await reader.skip(checkpoint.offset);
    const chunk = options.chunkBytes ?? DEFAULT_CHUNK;
    while (checkpoint.offset < blob.size) {
      if (options.stopSignal?.aborted) {
        throw new CopyError(
          'SUSPENDED',
          'copy-blob',
          'destination',
          key,
          `upload of ${blob.digest} suspended at ${checkpoint.offset} of ${blob.size} bytes; it resumes from there`,
          blob.digest,
        );
      }
      const length = Math.min(chunk, blob.size - checkpoint.offset);
      checkpoint = await target.appendChunk(checkpoint, reader.take(length), length, { signal });
      options.observer?.({ type: 'bytes', bytes: length });
      await store.put(key, checkpoint);
    }
    await reader.rest();
    await feeding;
  } catch (err) {
    body.destroy();
    throw err;
  }
  await target.commitUpload(checkpoint, blob.digest, { signal });
  await store.delete(key);
}
