import { Readable } from 'node:stream';
import {
  sha256Digest,
  type BlobMounter,
  type CallOptions,
  type PushOptions,
  type Descriptor,
  type ImageSource,
  type ImageTarget,
  type ManifestHead,
  type RawManifest,
} from '../../lib/oci/index.js';
import { RegistryError } from '../../lib/registry/index.js';

/**
 * An in-memory registry behind lib/oci's ports: repositories of blobs, manifests (by digest) and tags.
 * Every port call is logged on the registry (`calls`, with the AbortSignal it was given in `signals`, so
 * a test checks that the caller's signal reached each request); faults are scripted per repository
 * object. Chunked uploads and checkpoints: memory-uploads.ts.
 */

/** What one `fetchBlob` answers instead of the stored blob: a refusal, other bytes, or a body that breaks off. */
export type FetchFault = { readonly reject: unknown } | { readonly bytes: Buffer } | { readonly breakAfter: number; readonly error: unknown };

export class MemoryRegistry {
  /**
   * Every call, in order: `HEAD|GET|PUT manifest REPO:REFERENCE`, `HEAD|PUT blob REPO@DIGEST`, `GET blob
   * REPO@DIGEST` (then ` from N` when a positive offset was asked), `MOUNT blob REPO@DIGEST from OTHER`;
   * memory-uploads.ts adds the upload calls. A test empties it with `calls.length = 0` (and `signals`
   * with it when it reads them).
   */
  readonly calls: string[] = [];
  /** `signals[i]`: the AbortSignal `calls[i]` was given. */
  readonly signals: Array<AbortSignal | undefined> = [];
  private readonly blobs = new Map<string, Map<string, Buffer>>();
  private readonly manifests = new Map<string, Map<string, RawManifest>>();
  private readonly tags = new Map<string, Map<string, string>>();

  constructor(readonly name: string) {}

  /** A repository of this registry, which mounts blobs from its other repositories (as distribution does). */
  repo(repository: string): MountingRepository {
    return new MountingRepository(this, repository);
  }

  blobsOf(repository: string): Map<string, Buffer> {
    return entry(this.blobs, repository);
  }

  /** Manifests by digest. */
  manifestsOf(repository: string): Map<string, RawManifest> {
    return entry(this.manifests, repository);
  }

  /** Tag -> digest. */
  tagsOf(repository: string): Map<string, string> {
    return entry(this.tags, repository);
  }

  log(what: string, options?: CallOptions): void {
    this.calls.push(what);
    this.signals.push(options?.signal);
  }

  /** The calls that start with `prefix`, in order. */
  called(prefix = ''): string[] {
    return this.calls.filter((c) => c.startsWith(prefix));
  }

  count(prefix: string): number {
    return this.called(prefix).length;
  }
}

function entry<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let m = map.get(key);
  if (!m) map.set(key, (m = new Map()));
  return m;
}

/** What a registry answers to a GET of an unknown manifest or blob: a 404. */
const notFound = (repository: string, kind: 'manifest' | 'blob', reference: string): RegistryError =>
  new RegistryError({
    code: 'REGISTRY_HTTP',
    method: 'GET',
    url: `memory://${repository}/${kind}s/${reference}`,
    status: 404,
    detail: `${kind} unknown: ${reference}`,
  });

/** A repository that is a source and a plain target (HEAD and monolithic push; no mount, no chunked upload). */
export class MemoryRepository implements ImageSource, ImageTarget {
  readonly registry: string;
  /** Consumed one per fetchBlob; once empty, the stored blob is served. */
  readonly faults: FetchFault[] = [];
  /** Every blob body handed out, in order. */
  readonly bodies: Readable[] = [];
  /** Every descriptor pushBlob was called with, in order. */
  readonly pushed: Descriptor[] = [];
  /** Runs instead of reading the body of a push when set. */
  pushFault?: (body: Readable) => Promise<void>;

  constructor(
    readonly reg: MemoryRegistry,
    readonly repository: string,
  ) {
    this.registry = reg.name;
  }

  /** Test seeding: stores `bytes` as a blob of this repository and returns its (layer) descriptor. */
  add(bytes: Buffer): Descriptor {
    const digest = sha256Digest(bytes);
    this.reg.blobsOf(this.repository).set(digest, bytes);
    return { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: bytes.length };
  }

  /** Test seeding: stores blobs and a manifest (and its tag) directly; returns the manifest's digest. */
  seed(tag: string | undefined, manifest: RawManifest, blobs: Buffer[] = []): string {
    for (const b of blobs) this.reg.blobsOf(this.repository).set(sha256Digest(b), b);
    const digest = sha256Digest(manifest.bytes);
    this.reg.manifestsOf(this.repository).set(digest, manifest);
    if (tag) this.reg.tagsOf(this.repository).set(tag, digest);
    return digest;
  }

  private stored(reference: string): { digest: string; manifest: RawManifest } | undefined {
    const digest = reference.includes(':') ? reference : this.reg.tagsOf(this.repository).get(reference);
    const manifest = digest ? this.reg.manifestsOf(this.repository).get(digest) : undefined;
    return digest && manifest ? { digest, manifest } : undefined;
  }

  async resolve(reference: string, options?: CallOptions): Promise<ManifestHead | undefined> {
    this.reg.log(`HEAD manifest ${this.repository}:${reference}`, options);
    const found = this.stored(reference);
    return found && { digest: found.digest, mediaType: found.manifest.mediaType, size: found.manifest.bytes.length };
  }

  async fetchManifest(reference: string, options?: CallOptions): Promise<RawManifest> {
    this.reg.log(`GET manifest ${this.repository}:${reference}`, options);
    const found = this.stored(reference);
    if (!found) throw notFound(this.repository, 'manifest', reference);
    return found.manifest;
  }

  /** Serves the whole blob whatever the offset (a registry that ignores Range); the offset is logged. */
  async fetchBlob(descriptor: Descriptor, options?: CallOptions & { offset?: number }): Promise<Readable> {
    this.reg.log(`GET blob ${this.repository}@${descriptor.digest}${options?.offset ? ` from ${options.offset}` : ''}`, options);
    const fault = this.faults.shift();
    if (fault && 'reject' in fault) throw fault.reject;
    const bytes = fault && 'bytes' in fault ? fault.bytes : this.reg.blobsOf(this.repository).get(descriptor.digest);
    if (!bytes) throw notFound(this.repository, 'blob', descriptor.digest);
    const body = fault && 'breakAfter' in fault ? breaking(bytes.subarray(0, fault.breakAfter), fault.error) : httpBody(pieces(bytes, 3));
    this.bodies.push(body);
    return body;
  }

  async hasBlob(digest: string, options?: CallOptions): Promise<boolean> {
    this.reg.log(`HEAD blob ${this.repository}@${digest}`, options);
    return this.reg.blobsOf(this.repository).has(digest);
  }

  /**
   * Stores what it read only when the body ended without error (the port's contract). It does not check
   * the digest: the engine must, so a test sees bad bytes the engine let through.
   */
  async pushBlob(descriptor: Descriptor, body: Readable, options?: PushOptions): Promise<void> {
    if (options?.ifAbsent) {
      // as a registry answers a mount into the repository itself
      const present = this.reg.blobsOf(this.repository).has(descriptor.digest);
      this.reg.log(`ASK blob ${this.repository}@${descriptor.digest}`, options);
      options.ifAbsent(present);
      if (present) return void body.destroy();
    }
    this.reg.log(`PUT blob ${this.repository}@${descriptor.digest}`, options);
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
    this.reg.blobsOf(this.repository).set(descriptor.digest, Buffer.concat(chunks));
  }

  /** By digest: stored untagged; by tag: stored and tagged. */
  async pushManifest(reference: string, manifest: RawManifest, options?: CallOptions): Promise<void> {
    this.reg.log(`PUT manifest ${this.repository}:${reference}`, options);
    const digest = sha256Digest(manifest.bytes);
    this.reg.manifestsOf(this.repository).set(digest, manifest);
    if (!reference.includes(':')) this.reg.tagsOf(this.repository).set(reference, digest);
  }
}

/** A repository that also mounts blobs from the other repositories of its registry; `refuseMounts` makes a mount throw. */
export class MountingRepository extends MemoryRepository implements BlobMounter {
  refuseMounts = false;

  /** True when `from` holds the blob (201), false when it does not (202). */
  async mountBlob(digest: string, from: string, options?: CallOptions): Promise<boolean> {
    this.reg.log(`MOUNT blob ${this.repository}@${digest} from ${from}`, options);
    if (this.refuseMounts) throw new Error('mount refused');
    const b = this.reg.blobsOf(from).get(digest);
    if (b) this.reg.blobsOf(this.repository).set(digest, b);
    return b !== undefined;
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
