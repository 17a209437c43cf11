import { Readable } from 'node:stream';
import { RegistryError } from '../../lib/registry/index.js';
import {
  sha256Digest,
  type BlobMounter,
  type CallOptions,
  type Descriptor,
  type ImageSource,
  type ImageTarget,
  type ManifestHead,
  type RawManifest,
} from '../../lib/oci/index.js';

/** In-memory registry: repositories of manifests (by digest and tag) and a shared blob space per repo. */
export class MemoryRegistry {
  readonly blobs = new Map<string, Map<string, Buffer>>();
  readonly manifests = new Map<string, Map<string, RawManifest>>();
  readonly tags = new Map<string, Map<string, string>>();
  readonly calls: string[] = [];

  constructor(readonly name: string) {}

  repo(repository: string): MemoryRepository {
    return new MemoryRepository(this, repository);
  }

  blobsOf(repository: string): Map<string, Buffer> {
    let m = this.blobs.get(repository);
    if (!m) this.blobs.set(repository, (m = new Map()));
    return m;
  }

  manifestsOf(repository: string): Map<string, RawManifest> {
    let m = this.manifests.get(repository);
    if (!m) this.manifests.set(repository, (m = new Map()));
    return m;
  }

  tagsOf(repository: string): Map<string, string> {
    let m = this.tags.get(repository);
    if (!m) this.tags.set(repository, (m = new Map()));
    return m;
  }

  count(prefix: string): number {
    return this.calls.filter((c) => c.startsWith(prefix)).length;
  }
}

export class MemoryRepository implements ImageSource, ImageTarget, BlobMounter {
  readonly registry: string;

  constructor(
    private readonly reg: MemoryRegistry,
    readonly repository: string,
  ) {
    this.registry = reg.name;
  }

  private digestOf(reference: string): string | undefined {
    return reference.includes(':') ? reference : this.reg.tagsOf(this.repository).get(reference);
  }

  async resolve(reference: string, _o?: CallOptions): Promise<ManifestHead | undefined> {
    this.reg.calls.push(`HEAD manifest ${this.repository}:${reference}`);
    const digest = this.digestOf(reference);
    const m = digest ? this.reg.manifestsOf(this.repository).get(digest) : undefined;
    return m && digest ? { digest, mediaType: m.mediaType, size: m.bytes.length } : undefined;
  }

  async fetchManifest(reference: string): Promise<RawManifest> {
    this.reg.calls.push(`GET manifest ${this.repository}:${reference}`);
    const digest = this.digestOf(reference);
    const m = digest ? this.reg.manifestsOf(this.repository).get(digest) : undefined;
    if (!m)
      throw new RegistryError({
        code: 'REGISTRY_HTTP',
        method: 'GET',
        url: `memory://${this.repository}/manifests/${reference}`,
        status: 404,
        detail: `manifest unknown: ${reference}`,
      });
    return m;
  }

  async fetchBlob(descriptor: Descriptor): Promise<Readable> {
    this.reg.calls.push(`GET blob ${this.repository}@${descriptor.digest}`);
    const b = this.reg.blobsOf(this.repository).get(descriptor.digest);
    if (!b)
      throw new RegistryError({
        code: 'REGISTRY_HTTP',
        method: 'GET',
        url: `memory://${this.repository}/blobs/${descriptor.digest}`,
        status: 404,
        detail: `blob unknown: ${descriptor.digest}`,
      });
    return Readable.from([b.subarray(0, Math.floor(b.length / 2)), b.subarray(Math.floor(b.length / 2))]);
  }

  async hasBlob(digest: string): Promise<boolean> {
    this.reg.calls.push(`HEAD blob ${this.repository}@${digest}`);
    return this.reg.blobsOf(this.repository).has(digest);
  }

  async pushBlob(descriptor: Descriptor, body: Readable): Promise<void> {
    this.reg.calls.push(`PUT blob ${this.repository}@${descriptor.digest}`);
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    const data = Buffer.concat(chunks);
    if (sha256Digest(data) !== descriptor.digest) throw new Error('DIGEST_INVALID');
    this.reg.blobsOf(this.repository).set(descriptor.digest, data);
  }

  async mountBlob(digest: string, from: string): Promise<boolean> {
    this.reg.calls.push(`MOUNT blob ${this.repository}@${digest} from ${from}`);
    const b = this.reg.blobsOf(from).get(digest);
    if (!b) return false;
    this.reg.blobsOf(this.repository).set(digest, b);
    return true;
  }

  async pushManifest(reference: string, manifest: RawManifest): Promise<void> {
    this.reg.calls.push(`PUT manifest ${this.repository}:${reference}`);
    const digest = sha256Digest(manifest.bytes);
    this.reg.manifestsOf(this.repository).set(digest, manifest);
    if (!reference.includes(':')) this.reg.tagsOf(this.repository).set(reference, digest);
  }

  /** Test seeding: stores blobs and a manifest (and tag) directly. */
  seed(tag: string | undefined, manifest: RawManifest, blobs: Buffer[] = []): string {
    for (const b of blobs) this.reg.blobsOf(this.repository).set(sha256Digest(b), b);
    const digest = sha256Digest(manifest.bytes);
    this.reg.manifestsOf(this.repository).set(digest, manifest);
    if (tag) this.reg.tagsOf(this.repository).set(tag, digest);
    return digest;
  }
}
