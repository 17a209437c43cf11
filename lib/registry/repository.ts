import type { Readable } from 'node:stream';
import {
  PushAbandoned,
  type BlobMounter,
  type CallOptions,
  type Descriptor,
  type ImageSource,
  type ImageTarget,
  type ManifestHead,
  type PushOptions,
  type RawManifest,
  type ReferrersApi,
  type ReferrersCallOptions,
  type ResumableTarget,
  type SubjectReporter,
  type UploadCheckpoint,
} from '../oci/index.js';
import { cancelUpload, finishUpload, getBlob, headBlob, patchChunk, putBlob, startUpload, uploadStatus, type UploadSession } from './blobs.js';
import type { RegistryClient } from './client.js';
import { getManifest, headManifest, putManifest } from './manifests.js';
import { listReferrers, putManifestWithSubject } from './referrers.js';

/** Adapter: one repository of one registry as the engine's source and target ports. */
export class RegistryRepository implements ImageSource, ImageTarget, BlobMounter, ResumableTarget, ReferrersApi, SubjectReporter {
  readonly registry: string;

  constructor(
    readonly client: RegistryClient,
    readonly repository: string,
  ) {
    this.registry = client.registry;
  }

  resolve(reference: string, options?: CallOptions): Promise<ManifestHead | undefined> {
    return headManifest(this.client, this.repository, reference, options?.signal);
  }

  fetchManifest(reference: string, options?: CallOptions): Promise<RawManifest> {
    return getManifest(this.client, this.repository, reference, options?.signal);
  }

  async fetchBlob(descriptor: Descriptor, options?: CallOptions & { offset?: number }): Promise<Readable> {
    const { body, offset } = await getBlob(this.client, this.repository, descriptor.digest, options);
    if (offset !== (options?.offset ?? 0)) {
      body.destroy();
      throw new Error(`registry ignored the Range request for ${descriptor.digest}`);
    }
    return body;
  }

  hasBlob(digest: string, options?: CallOptions): Promise<boolean> {
    return headBlob(this.client, this.repository, digest, options?.signal);
  }

  /**
   * `ifAbsent`: the upload starts with a mount from this same repository, which a registry that mounts
   * (distribution, and those built on it) answers 201 when the repository holds the blob, else with the
   * upload session (202): the HEAD's answer without a HEAD. The engine asks only of a registry that
   * answered such a mount as it should (BlobCoordinator.inPlace).
   */
  async pushBlob(descriptor: Descriptor, body: Readable, options?: PushOptions): Promise<void> {
    let streamError: unknown;
    body.once('error', (err) => (streamError = err));
    let session: Awaited<ReturnType<typeof startUpload>>;
    const mount = options?.ifAbsent ? { digest: descriptor.digest, from: this.repository } : undefined;
    try {
      session = await startUpload(this.client, this.repository, { signal: options?.signal, ...(mount ? { mount } : {}) });
    } catch (err) {
      body.destroy(new PushAbandoned(err));
      throw err;
    }
    options?.ifAbsent?.(session === 'mounted');
    if (session === 'mounted') {
      body.destroy();
      return;
    }
    try {
      await putBlob(this.client, session, descriptor.digest, descriptor.size, body, options?.signal);
    } catch (err) {
      body.destroy();
      await cancelUpload(this.client, session);
      throw streamError ?? err;
    }
  }

  async mountBlob(digest: string, fromRepository: string, options?: CallOptions): Promise<boolean> {
    const result = await startUpload(this.client, this.repository, { mount: { digest, from: fromRepository }, signal: options?.signal });
    if (result === 'mounted') return true;
    await cancelUpload(this.client, result);
    return false;
  }

  async pushManifest(reference: string, manifest: RawManifest, options?: CallOptions): Promise<void> {
    await putManifest(this.client, this.repository, reference, manifest, options?.signal);
  }

  referrers(digest: string, options?: ReferrersCallOptions): Promise<Descriptor[] | undefined> {
    return listReferrers(this.client, this.repository, digest, options);
  }

  pushManifestWithSubject(reference: string, manifest: RawManifest, options?: CallOptions): Promise<string | undefined> {
    return putManifestWithSubject(this.client, this.repository, reference, manifest, options?.signal);
  }

  async openUpload(_digest: string, checkpoint: UploadCheckpoint | undefined, options?: CallOptions): Promise<UploadCheckpoint> {
    if (checkpoint) {
      const session: UploadSession = { repository: this.repository, location: checkpoint.location, offset: checkpoint.offset };
      const offset = await uploadStatus(this.client, session, options?.signal).catch(() => undefined);
      if (offset === checkpoint.offset) return { location: session.location, offset };
      if (offset !== undefined) await cancelUpload(this.client, session);
    }
    const fresh = await startUpload(this.client, this.repository, { signal: options?.signal });
    if (fresh === 'mounted') throw new Error('unexpected mount on a plain upload');
    return { location: fresh.location, offset: 0 };
  }

  async appendChunk(checkpoint: UploadCheckpoint, body: Readable, length: number, options?: CallOptions): Promise<UploadCheckpoint> {
    const session: UploadSession = { repository: this.repository, location: checkpoint.location, offset: checkpoint.offset };
    await patchChunk(this.client, session, body, length, options?.signal);
    return { location: session.location, offset: session.offset };
  }

  async commitUpload(checkpoint: UploadCheckpoint, digest: string, options?: CallOptions): Promise<void> {
    const session: UploadSession = { repository: this.repository, location: checkpoint.location, offset: checkpoint.offset };
    await finishUpload(this.client, session, digest, options?.signal);
  }
}
