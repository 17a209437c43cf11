import pLimit from 'p-limit';
import { parseManifest, type CallOptions, type ImageSource, type ReferrersSource, type ReferrersTarget } from '../oci/index.js';
import { hasCode } from '../util/errors.js';
import { stoppable } from '../util/signals.js';
import type { BlobCoordinator } from './blob-coordinator.js';
import { copyImage } from './copy-image.js';
import { toCopyError } from './errors.js';
import type { CopyObserver } from './events.js';
import { discoverReferrers, type DiscoverContext, type FoundReferrer } from './referrers-discover.js';
import { apiProbe, recordSubjects, targetIndexes, updateFallbackIndex, type FallbackIndexRecord } from './referrers-target.js';

export interface ReferrersOptions {
  /** Copy only referrers of these artifact types, at every depth (cosign tags: see COSIGN_ARTIFACT_TYPES). */
  readonly artifactTypes?: readonly string[];
  /** Referrers of referrers are followed this deep; 2 reaches a signature on an SBOM. @default 4 */
  readonly maxDepth?: number;
  readonly coordinator?: BlobCoordinator;
  readonly observer?: CopyObserver;
  readonly signal?: AbortSignal;
  /** Blobs of one referrer in flight at once. @default 4 (as copyImage) */
  readonly blobConcurrency?: number;
}

/** A referrer as found on the source (without its descriptor) and what happened to it. */
export interface ReferrerRecord extends Omit<FoundReferrer, 'descriptor'> {
  /** `missing`: listed by the source's fallback index or API, but the source does not have it. */
  readonly status: 'copied' | 'present' | 'missing';
}

export interface ReferrersResult {
  /** Every selected referrer found, shallowest first, sorted by subject, then how found, then digest. */
  readonly referrers: readonly ReferrerRecord[];
  /** The `sha256-<hex>` indexes this copy maintained on a target without the referrers API. */
  readonly fallbackIndexes: readonly FallbackIndexRecord[];
}

/** Subjects whose referrers are discovered at once (each costs up to five requests). */
const SUBJECT_CONCURRENCY = 4;

/**
 * Copies the artifacts attached to `subjects` (manifest digests: an image's root and its children)
 * from the image's `source` repository to its `target` one, recursively up to `maxDepth`, each digest once.
 * Discovery: referrers API, else the `sha256-<hex>` tag index; cosign's `.sig`/`.att`/`.sbom` tags too.
 * Writing: each referrer by digest with copyImage (HEAD both sides first: present ones cost two); cosign
 * tags as tags; on a target that does not index subjects itself, its `sha256-<hex>` index is merged.
 * Throws CopyError like copyImage; call it after the subjects themselves were copied.
 */
export async function copyReferrers(
  source: ReferrersSource,
  target: ReferrersTarget,
  subjects: readonly string[],
  options: ReferrersOptions = {},
): Promise<ReferrersResult> {
  // one failure stops the other referrers' transfers instead of letting them run on unobserved
  const { stop, signal } = stoppable(options.signal);
  const opts: ReferrersOptions = { ...options, signal };
  const ctx: DiscoverContext = { source, signal, ...(options.artifactTypes ? { artifactTypes: options.artifactTypes } : {}) };
  const answers = new Map<string, string>();
  const writer = recordSubjects(target, answers);
  const probe = apiProbe(target, signal);
  const limit = pLimit(SUBJECT_CONCURRENCY);
  const referrers: ReferrerRecord[] = [];
  const fallbackIndexes: FallbackIndexRecord[] = [];
  const visit = async (subject: string, found: ReferrerRecord[]): Promise<void> => {
    const discovered = await discoverReferrers(ctx, subject);
    const [listed, cosign] = await Promise.all([
      Promise.all(discovered.listed.map((f) => copyOne(source, writer, f, opts))),
      Promise.all(discovered.cosign.map((f) => copyOne(source, writer, f, opts))),
    ]);
    found.push(...listed, ...cosign);
    const kept = discovered.listed.filter((_, i) => listed[i]!.status !== 'missing');
    if (!kept.length) return;
    const pushed = listed.filter((r) => r.status === 'copied').map((r) => r.digest);
    if (await targetIndexes(pushed, answers, subject, () => probe(subject))) return;
    fallbackIndexes.push(
      await updateFallbackIndex(
        target,
        subject,
        kept.map((f) => f.descriptor!),
        discovered.sourceIndex,
        opts,
      ),
    );
  };
  const visited = new Set(subjects);
  let level = [...visited];
  try {
    for (let depth = 1; level.length && depth <= (options.maxDepth ?? 4); depth++) {
      const found: ReferrerRecord[] = [];
      await Promise.all(level.map((subject) => limit(() => visit(subject, found))));
      referrers.push(...found.sort(byKey));
      level = [...new Set(found.filter((r) => r.status !== 'missing' && !visited.has(r.digest)).map((r) => r.digest))];
      for (const digest of level) visited.add(digest);
    }
  } catch (err) {
    stop.abort(err);
    throw err;
  }
  return { referrers, fallbackIndexes: fallbackIndexes.sort((a, b) => compare(a.subject, b.subject)) };
}

/**
 * The subjects of an image for copyReferrers: its root digest and, for an index, its children. Read it
 * from the target after copyImage (`result.digest`): with a platform subset, only kept children count.
 */
export async function referrerSubjects(
  store: Pick<ImageSource, 'fetchManifest' | 'registry' | 'repository'>,
  digest: string,
  options: CallOptions = {},
): Promise<string[]> {
  try {
    const raw = await store.fetchManifest(digest, options);
    const manifest = parseManifest(raw.bytes, raw.mediaType);
    return manifest.kind === 'index' ? [digest, ...manifest.manifests.map((d) => d.digest)] : [digest];
  } catch (err) {
    throw toCopyError(err, 'fetch-manifest', 'destination', `${store.registry}/${store.repository}@${digest}`, digest);
  }
}

async function copyOne(source: ReferrersSource, target: ReferrersTarget, found: FoundReferrer, options: ReferrersOptions): Promise<ReferrerRecord> {
  const { descriptor: _d, ...record } = found;
  try {
    const result = await copyImage(source, found.digest, target, found.tag ?? found.digest, {
      ...(options.coordinator ? { coordinator: options.coordinator } : {}),
      ...(options.observer ? { observer: options.observer } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.blobConcurrency ? { blobConcurrency: options.blobConcurrency } : {}),
    });
    return { ...record, status: result.status === 'copied' ? 'copied' : 'present' };
  } catch (err) {
    // a stale entry of an index must not fail the image; a vanished cosign tag is a real error
    if (hasCode(err, 'SOURCE_NOT_FOUND') && found.via !== 'cosign-tag') return { ...record, status: 'missing' };
    throw err;
  }
}

function byKey(a: ReferrerRecord, b: ReferrerRecord): number {
  return compare(a.subject, b.subject) || compare(a.via, b.via) || compare(a.tag ?? '', b.tag ?? '') || compare(a.digest, b.digest);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
