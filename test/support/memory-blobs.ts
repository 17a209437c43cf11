import { Readable } from 'node:stream';
import {
  sha256Digest,
  type BlobMounter,
  type CallOptions,
  type CheckpointStore,
  type Descriptor,
  type ImageSource,
  type ImageTarget,
  type ManifestHead,
  type RawManifest,
  type ResumableTarget,
  type UploadCheckpoint,
} from '../../lib/oci/index.js';

/**
 * In-memory fakes of the blob side of lib/oci's ports, with the faults the copy engine must survive
 * scripted per call. Every call is logged with the options it was given, so a test can check that the
 * caller's AbortSignal reached each request.
 */

/** What one `fetchBlob` answers instead of the stored blob: a refusal, other bytes, or a body that breaks off. */
export type FetchFault = { readonly reject: unknown } | { readonly bytes: Buffer } | { readonly breakAfter: number; readonly error: unknown };

interface Call {
  readonly what: string;
  readonly signal: AbortSignal | undefined;
}

/** Blobs per repository of one registry, shared by the sources and targets built on it. */
export class BlobRegistry {
  readonly repos = new Map<string, Map<string, Buffer>>();
  readonly calls: Call[] = [];

  constructor(readonly name: string) {}

  blobs(repository: string): Map<string, Buffer> {
    let m = this.repos.get(repository);
    if (!m) this.repos.set(repository, (m = new Map()));
    return m;
  }

  log(what: string, options?: CallOptions): void {
    this.calls.push({ what, signal: options?.signal });
  }

  /** The logged calls, as strings, that start with `prefix`. */
  called(prefix = ''): string[] {
    return this.calls.map((c) => c.what).filter((w) => w.startsWith(prefix));
  }
}

const unused = (): never => {
  throw new Error('not used by blob transfers');
};

export class BlobSource implements ImageSource {
  readonly registry: string;
  /** Consumed one per fetchBlob; once empty, the stored blob is served. */
  readonly faults: FetchFault[] = [];
  /** Every body handed out, in order. */
  readonly bodies: Readable[] = [];

  constructor(
    readonly reg: BlobRegistry,
    readonly repository: string,
  ) {
    this.registry = reg.name;
  }

  /** Stores `bytes` in this repository and returns its descriptor. */
  add(bytes: Buffer): Descriptor {
    const digest = sha256Digest(bytes);
    this.reg.blobs(this.repository).set(digest, bytes);
    return { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: bytes.length };
  }

  resolve(): Promise<ManifestHead | undefined> {
    return unused();
  }

  fetchManifest(): Promise<RawManifest> {
    return unused();
  }

  async fetchBlob(descriptor: Descriptor, options?: CallOptions & { offset?: number }): Promise<Readable> {
    this.reg.log(`GET ${this.repository}@${descriptor.digest} from ${options?.offset ?? 0}`, options);
    const fault = this.faults.shift();
    if (fault && 'reject' in fault) throw fault.reject;
    const bytes = fault && 'bytes' in fault ? fault.bytes : this.reg.blobs(this.repository).get(descriptor.digest);
    if (!bytes) throw new Error(`blob unknown: ${descriptor.digest}`);
    const body = fault && 'breakAfter' in fault ? breaking(bytes.subarray(0, fault.breakAfter), fault.error) : httpBody(pieces(bytes, 3));
    this.bodies.push(body);
    return body;
  }
}

/** `bytes` cut into `n` pieces, so that readers see chunk boundaries. */
function pieces(bytes: Buffer, n: number): Buffer[] {
  const step = Math.max(1, Math.ceil(bytes.length / n));
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += step) out.push(bytes.subarray(i, i + step));
  return out;
}

/** Like undici's response body: destroyed before its end, it fails with an abort error that someone must handle. */
function httpBody(chunks: Buffer[]): Readable {
  const queue = [...chunks];
  return new Readable({
    read() {
      this.push(queue.shift() ?? null);
    },
    destroy(err, done) {
      done(err ?? (this.readableEnded ? null : new Error('Request aborted')));
    },
  });
}

/** A body that yields `head`, then fails with `error` (a connection reset mid-blob). */
function breaking(head: Buffer, error: unknown): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(head);
      } else this.destroy(error as Error);
    },
  });
}

/** Plain target: HEAD and monolithic push; `pushFault` runs instead of reading the body when set. */
export class BlobTarget implements ImageTarget {
  readonly registry: string;
  pushFault?: (body: Readable) => Promise<void>;
  readonly pushed: Descriptor[] = [];

  constructor(
    readonly reg: BlobRegistry,
    readonly repository: string,
  ) {
    this.registry = reg.name;
  }

  resolve(): Promise<ManifestHead | undefined> {
    return unused();
  }

  pushManifest(): Promise<void> {
    return unused();
  }

  async hasBlob(digest: string, options?: CallOptions): Promise<boolean> {
    this.reg.log(`HEAD ${this.repository}@${digest}`, options);
    return this.reg.blobs(this.repository).has(digest);
  }

  /** Commits what it read only when the body ended without error (the port's contract). */
  async pushBlob(descriptor: Descriptor, body: Readable, options?: CallOptions): Promise<void> {
    this.reg.log(`PUSH ${this.repository}@${descriptor.digest}`, options);
    this.pushed.push(descriptor);
    if (this.pushFault) {
      body.once('error', () => undefined); // as the registry adapter does: the stream's error is reported by the push
      return this.pushFault(body);
    }
    const chunks: Buffer[] = [];
    try {
      for await (const c of body) chunks.push(c as Buffer);
    } catch (err) {
      throw new Error('upload cancelled: its body failed', { cause: err });
    }
    this.reg.blobs(this.repository).set(descriptor.digest, Buffer.concat(chunks));
  }
}

/** A target that can mount from other repositories of its registry; `refuse` makes a mount throw. */
export class MountingTarget extends BlobTarget implements BlobMounter {
  refuse = false;

  async mountBlob(digest: string, from: string, options?: CallOptions): Promise<boolean> {
    this.reg.log(`MOUNT ${this.repository}@${digest} from ${from}`, options);
    if (this.refuse) throw new Error('mount refused');
    const b = this.reg.blobs(from).get(digest);
    if (b) this.reg.blobs(this.repository).set(digest, b);
    return b !== undefined;
  }
}

/**
 * A target with chunked uploads: sessions live in `sessions` (by location) until committed;
 * `chunkFault` runs before chunk number n (0-based, counted over the target's life) is read.
 */
export class ChunkedTarget extends BlobTarget implements ResumableTarget {
  readonly sessions = new Map<string, Buffer>();
  readonly chunks: number[] = [];
  chunkFault?: (n: number) => void;
  private opened = 0;

  async openUpload(digest: string, checkpoint: UploadCheckpoint | undefined, options?: CallOptions): Promise<UploadCheckpoint> {
    this.reg.log(`OPEN ${this.repository}@${digest} at ${checkpoint?.offset ?? 'none'}`, options);
    if (checkpoint && this.sessions.get(checkpoint.location)?.length === checkpoint.offset) return checkpoint;
    const location = `upload-${++this.opened}`;
    this.sessions.set(location, Buffer.alloc(0));
    return { location, offset: 0 };
  }

  async appendChunk(checkpoint: UploadCheckpoint, body: Readable, length: number, options?: CallOptions): Promise<UploadCheckpoint> {
    this.reg.log(`PATCH ${checkpoint.location} ${checkpoint.offset}+${length}`, options);
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

  async commitUpload(checkpoint: UploadCheckpoint, digest: string, options?: CallOptions): Promise<void> {
    this.reg.log(`COMMIT ${checkpoint.location} ${digest}`, options);
    const held = this.sessions.get(checkpoint.location) ?? Buffer.alloc(0);
    if (sha256Digest(held) !== digest) throw new Error('DIGEST_INVALID');
    this.reg.blobs(this.repository).set(digest, held);
    this.sessions.delete(checkpoint.location);
  }
}

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
