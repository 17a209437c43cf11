import type { Readable } from 'node:stream';
import type { Descriptor } from './manifest.js';

/** What a manifest resolves to without fetching its body (a HEAD). */
export interface ManifestHead {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
}

export interface RawManifest {
  readonly bytes: Uint8Array;
  readonly mediaType: string;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

/**
 * Identity of a repository on a registry. Two locations with the same `registry` can share blobs by
 * cross-repository mount (OCI distribution-spec "Mounting a blob from another repository").
 */
export interface Location {
  readonly registry: string;
  readonly repository: string;
}

/**
 * Read side of the copy engine. Contract:
 * - `resolve` MUST NOT fetch the manifest body when the registry returns a digest on HEAD
 *   (the engine relies on this for zero-GET no-op runs); it returns undefined for "not found".
 * - `fetchManifest` returns the exact bytes; the caller verifies the digest when it asked by digest.
 * - `fetchBlob` streams; `offset` asks for the bytes from there on (HTTP Range) for resumption.
 */
export interface ImageSource extends Location {
  resolve(reference: string, options?: CallOptions): Promise<ManifestHead | undefined>;
  fetchManifest(reference: string, options?: CallOptions): Promise<RawManifest>;
  fetchBlob(descriptor: Descriptor, options?: CallOptions & { offset?: number }): Promise<Readable>;
}

/**
 * Write side. Contract:
 * - `pushBlob` consumes `body` completely and commits the blob under `descriptor.digest` only if the
 *   stream ends without error; an errored stream leaves nothing behind (the upload session is cancelled).
 *   When it gives up before reading `body` to its end, it destroys `body` with a `PushAbandoned` (its
 *   own error as the cause) before settling: the producer of the stream waits on it, and would otherwise
 *   wait for ever; the marker tells the producer that the cause is the target's, not the stream's.
 *   With `ifAbsent` (PushOptions), a target that can learn with the upload's start whether the repository
 *   holds the blob already says so before reading a byte; when it does, it destroys `body` unread and
 *   resolves, the blob being there. A target that cannot ask ignores the option and pushes.
 * - `pushManifest` by digest stores without tagging; by tag it also moves the tag (call it last).
 * - Every method is idempotent.
 */
/** The error a target destroys an unread blob stream with (see ImageTarget.pushBlob); `cause` is why. */
export class PushAbandoned extends Error {
  constructor(cause: unknown) {
    super(`the target stopped reading the blob: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'PushAbandoned';
  }
}

export interface PushOptions extends CallOptions {
  /** Called once, before any byte is sent, with whether the repository holds the blob already (see pushBlob). */
  readonly ifAbsent?: (present: boolean) => void;
}

export interface ImageTarget extends Location {
  resolve(reference: string, options?: CallOptions): Promise<ManifestHead | undefined>;
  hasBlob(digest: string, options?: CallOptions): Promise<boolean>;
  pushBlob(descriptor: Descriptor, body: Readable, options?: PushOptions): Promise<void>;
  pushManifest(reference: string, manifest: RawManifest, options?: CallOptions): Promise<void>;
}

/** Optional capability: cross-repository blob mount within one registry. */
export interface BlobMounter {
  /** Returns true when the registry mounted the blob (201), false when it could not (202/404). */
  mountBlob(digest: string, fromRepository: string, options?: CallOptions): Promise<boolean>;
}

export function canMount(target: ImageTarget): target is ImageTarget & BlobMounter {
  return typeof (target as Partial<BlobMounter>).mountBlob === 'function';
}

/** Where a chunked upload stands: the newest upload Location and the bytes the registry holds. */
export interface UploadCheckpoint {
  readonly location: string;
  readonly offset: number;
}

/**
 * Optional capability: chunked uploads that survive the process (OCI distribution-spec "Pushing a blob
 * in chunks"). Contract: a checkpoint is valid only between whole chunks; distribution invalidates a
 * session whose last PATCH was cut short, so `openUpload` then starts a fresh session at offset 0.
 */
export interface ResumableTarget {
  openUpload(digest: string, checkpoint: UploadCheckpoint | undefined, options?: CallOptions): Promise<UploadCheckpoint>;
  appendChunk(checkpoint: UploadCheckpoint, body: Readable, length: number, options?: CallOptions): Promise<UploadCheckpoint>;
  commitUpload(checkpoint: UploadCheckpoint, digest: string, options?: CallOptions): Promise<void>;
}

export function canResume(target: ImageTarget): target is ImageTarget & ResumableTarget {
  return typeof (target as Partial<ResumableTarget>).appendChunk === 'function';
}

/** Durable checkpoints keyed by `registry/repository@digest` (a file per key locally, an object in COS). */
export interface CheckpointStore {
  get(key: string): Promise<UploadCheckpoint | undefined>;
  put(key: string, checkpoint: UploadCheckpoint): Promise<void>;
  delete(key: string): Promise<void>;
}
