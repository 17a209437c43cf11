import type { Readable } from 'node:stream';
import { sha256Digest, type CallOptions, type CheckpointStore, type ResumableTarget, type UploadCheckpoint } from '../../lib/oci/index.js';
import { MemoryRepository } from './memory-registry.js';

/**
 * A repository of the in-memory registry with chunked uploads (and no mount): sessions live in
 * `sessions` (by location) until committed; `chunkFault` runs before chunk number n (0-based, counted
 * over the repository object's life) is read. Logged as `OPEN upload repo@digest at N|none`,
 * `PATCH upload LOCATION OFFSET+LENGTH`, `COMMIT upload LOCATION DIGEST`.
 */
export class ChunkedRepository extends MemoryRepository implements ResumableTarget {
  readonly sessions = new Map<string, Buffer>();
  /** The length of every chunk taken, in order. */
  readonly chunks: number[] = [];
  chunkFault?: (n: number) => void;
  private opened = 0;

  /** Resumes a checkpoint only where its session stands; otherwise opens a fresh session at 0. */
  async openUpload(digest: string, checkpoint: UploadCheckpoint | undefined, options?: CallOptions): Promise<UploadCheckpoint> {
    this.reg.log(`OPEN upload ${this.repository}@${digest} at ${checkpoint?.offset ?? 'none'}`, options);
    if (checkpoint && this.sessions.get(checkpoint.location)?.length === checkpoint.offset) return checkpoint;
    const location = `upload-${++this.opened}`;
    this.sessions.set(location, Buffer.alloc(0));
    return { location, offset: 0 };
  }

  /** Fails when the body's length is not the announced one. */
  async appendChunk(checkpoint: UploadCheckpoint, body: Readable, length: number, options?: CallOptions): Promise<UploadCheckpoint> {
    this.reg.log(`PATCH upload ${checkpoint.location} ${checkpoint.offset}+${length}`, options);
    this.chunkFault?.(this.chunks.length);
    const got: Buffer[] = [];
    for await (const c of body) got.push(c as Buffer);
    const data = Buffer.concat(got);
    if (data.length !== length) throw new Error(`chunk of ${data.length} bytes announced as ${length}`);
    this.chunks.push(length);
    const held = Buffer.concat([this.sessions.get(checkpoint.location) ?? Buffer.alloc(0), data]);
    this.sessions.set(checkpoint.location, held);
    return { location: checkpoint.location, offset: held.length };
  }

  /** Refuses (DIGEST_INVALID) a session whose bytes are not `digest`, as a registry does. */
  async commitUpload(checkpoint: UploadCheckpoint, digest: string, options?: CallOptions): Promise<void> {
    this.reg.log(`COMMIT upload ${checkpoint.location} ${digest}`, options);
    const held = this.sessions.get(checkpoint.location) ?? Buffer.alloc(0);
    if (sha256Digest(held) !== digest) throw new Error('DIGEST_INVALID');
    this.reg.blobsOf(this.repository).set(digest, held);
    this.sessions.delete(checkpoint.location);
  }
}

/** Checkpoints in memory; `log` lists `put OFFSET` and `delete`, in order. */
export class MemoryCheckpoints implements CheckpointStore {
  readonly saved = new Map<string, UploadCheckpoint>();
  readonly log: string[] = [];

  async get(key: string): Promise<UploadCheckpoint | undefined> {
    return this.saved.get(key);
  }

  async put(key: string, checkpoint: UploadCheckpoint): Promise<void> {
    this.log.push(`put ${checkpoint.offset}`);
    this.saved.set(key, checkpoint);
  }

  async delete(key: string): Promise<void> {
    this.log.push('delete');
    this.saved.delete(key);
  }
}
