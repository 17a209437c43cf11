import pLimit from 'p-limit';
import { stoppable } from '../util/signals.js';
import {
  manifestBlobs,
  parseManifest,
  platformOf,
  sha256Digest,
  INDEX_TYPES as INDEX_MEDIA,
  type ImageSource,
  type ImageTarget,
  type Manifest,
  type RawManifest,
} from '../oci/index.js';
import { filterPlatforms } from './platform-filter.js';
import { BlobCoordinator, type BlobOutcome } from './blob-coordinator.js';
import { transferBlob } from './blob-transfer.js';
import { CopyError, toCopyError } from './errors.js';
import type { ResumableOptions } from './resumable.js';
import type { CopyObserver } from './events.js';
import { MAX_INDEX_DEPTH, MAX_MANIFESTS_PER_IMAGE } from '../util/limits.js';

export interface CopyOptions {
  /** Blobs of one image in flight at once. @default 4: enough to hide latency, below registry limits. */
  readonly blobConcurrency?: number;
  /**
   * When the target tag exists: `if-changed` replaces it only when its digest differs (the original's
   * default), `never` leaves it, `always` also re-walks an up-to-date image and pushes whatever the
   * target lacks (a repair pass: missing child manifests or blobs are found by HEAD).
   * @default 'if-changed'
   */
  readonly overwrite?: 'always' | 'never' | 'if-changed';
  /** Keep only these platforms of an index (`os/arch[/variant]`); the rewritten index gets a new digest. */
  readonly platforms?: readonly string[];
  /** Tag the image an overwrite replaces with this first (nothing happens when the tag is new). */
  readonly backupTag?: string;
  readonly streamRetries?: number;
  /** Checkpointed chunked uploads for large blobs (resume across processes and invocations). */
  readonly resumable?: ResumableOptions;
  /** Shared across the images of a run for dedup and mounts; a fresh one per call otherwise. */
  readonly coordinator?: BlobCoordinator;
  readonly observer?: CopyObserver;
  readonly signal?: AbortSignal;
  /**
   * Awaited after the manifests are read and before the first blob moves; resolves to what to call once
   * the image's blobs are done (the caller's limit of images moving bytes, AdaptiveLimit.stage).
   */
  readonly admit?: () => Promise<() => void>;
}

export interface CopyResult {
  readonly status: 'copied' | 'skipped';
  /** The source's digest when a platform subset made the target's differ. */
  readonly sourceDigest?: string;
  /** The tag the replaced image was saved under (`backupTag`). */
  readonly backedUp?: { readonly tag: string; readonly digest: string };
  /** For skipped: `up-to-date` (same digest at the target) or `tag-exists` (overwrite: never). */
  readonly reason?: 'up-to-date' | 'tag-exists';
  readonly digest: string;
  readonly mediaType: string;
  readonly platforms: string[];
}

interface Walk {
  readonly source: ImageSource;
  readonly target: ImageTarget;
  readonly options: CopyOptions;
  readonly coordinator: BlobCoordinator;
  readonly limit: ReturnType<typeof pLimit>;
  readonly platforms: Set<string>;
  /** Each child manifest is walked once, however many index entries name it. */
  readonly seen: Map<string, Promise<void>>;
}

/**
 * Copies `sourceRef` (tag or digest) of `source` to `targetRef` (tag or digest) of `target`, byte for byte:
 * 1. HEAD both manifests; equal digests -> skipped with no GET on the source;
 * 2. GET the root manifest by digest (verified), walk indexes recursively (all platforms);
 * 3. blobs: exists -> mount -> stream (verified on the fly), children pushed by digest; under a manifest
 *    the target lacks, the HEAD and the stream start together (BlobTransferContext.speculate);
 * 4. the root manifest is pushed to `targetRef` last, so a tag never names an incomplete image.
 * Steps 1–2 run before `admit` resolves, step 3 inside it.
 */
export async function copyImage(
  source: ImageSource,
  sourceRef: string,
  target: ImageTarget,
  targetRef: string,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const { signal } = options;
  const srcName = `${source.registry}/${source.repository}:${sourceRef}`;
  // both HEADs at once: a no-op re-run costs one round trip per image
  const [head, existing] = await Promise.all([
    source.resolve(sourceRef, { signal }).catch((err: unknown) => {
      throw toCopyError(err, 'resolve', 'source', srcName);
    }),
    target.resolve(targetRef, { signal }).catch((err: unknown) => {
      throw toCopyError(err, 'check-target', 'destination', `${target.registry}/${target.repository}:${targetRef}`);
    }),
  ]);
  if (!head) throw new CopyError('SOURCE_NOT_FOUND', 'resolve', 'source', srcName, `source image ${srcName} not found`);
  const repair = options.overwrite === 'always';
  // a platform subset changes the digest: compare the rewritten index (one GET) instead of the source's
  const subset = options.platforms?.length && INDEX_MEDIA.includes(head.mediaType) ? options.platforms : undefined;
  if (existing?.digest === head.digest && !subset && !repair) {
    return { status: 'skipped', reason: 'up-to-date', digest: head.digest, mediaType: head.mediaType, platforms: [] };
  }
  if (existing && existing.digest !== head.digest && options.overwrite === 'never' && !subset) {
    return { status: 'skipped', reason: 'tag-exists', digest: existing.digest, mediaType: existing.mediaType, platforms: [] };
  }
  // one failed blob stops the image's other transfers instead of letting them run on unobserved
  const { stop, signal: walkSignal } = stoppable(signal);
  const walk: Walk = {
    source,
    target,
    options: { ...options, signal: walkSignal },
    coordinator: options.coordinator ?? new BlobCoordinator(),
    limit: pLimit(Math.max(1, options.blobConcurrency ?? 4)),
    platforms: new Set(),
    seen: new Map(),
  };
  try {
    const raw = await fetchVerified(walk, head.digest);
    const parsed = parseManifest(raw.bytes, raw.mediaType);
    const root = subset ? filterPlatforms(parsed, subset, srcName) : parsed;
    const sourceDigest = root.digest === head.digest ? {} : { sourceDigest: head.digest };
    if (existing?.digest === root.digest && !repair) {
      return { status: 'skipped', reason: 'up-to-date', digest: root.digest, mediaType: root.mediaType, platforms: [], ...sourceDigest };
    }
    if (existing && existing.digest !== root.digest && options.overwrite === 'never') {
      return { status: 'skipped', reason: 'tag-exists', digest: existing.digest, mediaType: existing.mediaType, platforms: [] };
    }
    const release = await options.admit?.();
    try {
      // a tag the target lacks: its blobs are probably missing too (BlobTransferContext.speculate)
      await copyContent(walk, root, 0, !existing);
    } finally {
      release?.();
    }
    const backedUp = existing && existing.digest !== root.digest && options.backupTag ? await backup(walk, options.backupTag, existing.digest) : undefined;
    await pushManifest(walk, targetRef, root);
    return {
      status: 'copied',
      digest: root.digest,
      mediaType: root.mediaType,
      platforms: [...walk.platforms].sort(),
      ...sourceDigest,
      ...(backedUp ? { backedUp } : {}),
    };
  } catch (err) {
    stop.abort(err);
    throw err;
  }
}

/** Tags the image about to be replaced with `tag` (by its manifest bytes: no blob moves). */
async function backup(walk: Walk, tag: string, digest: string): Promise<{ tag: string; digest: string }> {
  const ref = `${walk.target.registry}/${walk.target.repository}:${tag}`;
  if (!canFetch(walk.target)) throw new CopyError('INTERNAL', 'backup', 'destination', ref, `cannot back up to ${ref}: the target cannot read manifests`);
  try {
    const raw = await walk.target.fetchManifest(digest, { signal: walk.options.signal });
    await walk.target.pushManifest(tag, raw, { signal: walk.options.signal });
  } catch (err) {
    throw toCopyError(err, 'backup', 'destination', ref, digest);
  }
  return { tag, digest };
}

async function fetchVerified(walk: Walk, digest: string): Promise<RawManifest> {
  const ref = `${walk.source.registry}/${walk.source.repository}@${digest}`;
  try {
    const raw = await walk.source.fetchManifest(digest, { signal: walk.options.signal });
    const actual = sha256Digest(raw.bytes);
    if (actual !== digest) {
      throw new CopyError('DIGEST_MISMATCH', 'fetch-manifest', 'source', ref, `manifest ${ref} has digest ${actual}`, digest);
    }
    return raw;
  } catch (err) {
    throw toCopyError(err, 'fetch-manifest', 'source', ref, digest);
  }
}

/** Everything a manifest `depth` indexes below the root references, pushed before the manifest itself. */
async function copyContent(walk: Walk, manifest: Manifest, depth: number, absent: boolean): Promise<void> {
  if (manifest.kind === 'index') {
    await Promise.all(manifest.manifests.map((child) => copyChild(walk, child.digest, platformOf(child), depth + 1)));
    return;
  }
  const ctx = {
    source: walk.source,
    target: walk.target,
    coordinator: walk.coordinator,
    observer: walk.options.observer,
    streamRetries: walk.options.streamRetries ?? 2,
    resumable: walk.options.resumable,
    signal: walk.options.signal,
    speculate: absent,
  };
  const outcomes: Promise<BlobOutcome>[] = manifestBlobs(manifest).map((blob) => walk.limit(() => transferBlob(ctx, blob)));
  await Promise.all(outcomes);
}

/** A child manifest, walked once per image: bounded by MAX_INDEX_DEPTH and MAX_MANIFESTS_PER_IMAGE. */
async function copyChild(walk: Walk, digest: string, platform: string | undefined, depth: number): Promise<void> {
  if (platform) walk.platforms.add(platform);
  const walked = walk.seen.get(digest);
  if (walked) return walked;
  const ref = `${walk.source.registry}/${walk.source.repository}@${digest}`;
  const bound =
    depth > MAX_INDEX_DEPTH
      ? `indexes nested more than ${MAX_INDEX_DEPTH} deep`
      : walk.seen.size >= MAX_MANIFESTS_PER_IMAGE
        ? `more than ${MAX_MANIFESTS_PER_IMAGE} manifests in one image`
        : undefined;
  if (bound) throw new CopyError('MANIFEST_INVALID', 'fetch-manifest', 'source', ref, `${ref}: ${bound}`, digest);
  const once = copyChildOnce(walk, digest, depth);
  walk.seen.set(digest, once);
  return once;
}

async function copyChildOnce(walk: Walk, digest: string, depth: number): Promise<void> {
  const present = await walk.target.resolve(digest, { signal: walk.options.signal }).catch((err: unknown) => {
    throw toCopyError(err, 'check-target', 'destination', `${walk.target.registry}/${walk.target.repository}@${digest}`);
  });
  if (present && walk.options.overwrite !== 'always') return;
  const raw = await fetchVerified(walk, digest);
  const child = parseManifest(raw.bytes, raw.mediaType);
  await copyContent(walk, child, depth, !present);
  await pushManifest(walk, digest, child);
}

async function pushManifest(walk: Walk, reference: string, manifest: Manifest): Promise<void> {
  const ref = `${walk.target.registry}/${walk.target.repository}:${reference}`;
  try {
    await walk.target.pushManifest(reference, { bytes: manifest.bytes, mediaType: manifest.mediaType }, { signal: walk.options.signal });
  } catch (err) {
    throw toCopyError(err, 'push-manifest', 'destination', ref, manifest.digest);
  }
  walk.options.observer?.({ type: 'manifest', digest: manifest.digest, reference, mediaType: manifest.mediaType });
}

function canFetch(target: ImageTarget): target is ImageTarget & Pick<ImageSource, 'fetchManifest'> {
  return typeof (target as Partial<ImageSource>).fetchManifest === 'function';
}
