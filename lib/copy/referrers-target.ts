import {
  canListReferrers,
  referrersTag,
  reportsSubject,
  sha256Digest,
  type CallOptions,
  type Descriptor,
  type RawManifest,
  type ReferrersTarget,
} from '../oci/index.js';
import { toCopyError } from './errors.js';
import type { CopyObserver } from './events.js';
import { mergeReferrersIndex } from './referrers-select.js';

/** The target's `sha256-<hex>` index for one subject after a copy. */
export interface FallbackIndexRecord {
  readonly subject: string;
  readonly tag: string;
  readonly digest: string;
  readonly status: 'written' | 'unchanged';
}

/**
 * The target as copyImage sees it, except that manifest PUTs go through `pushManifestWithSubject` when
 * the target has it, recording each pushed reference's `OCI-Subject` answer ('' when there was none).
 */
export function recordSubjects(target: ReferrersTarget, answers: Map<string, string>): ReferrersTarget {
  if (!reportsSubject(target)) return target;
  const pushManifest = async (reference: string, manifest: RawManifest, options?: CallOptions): Promise<void> => {
    answers.set(reference, (await target.pushManifestWithSubject(reference, manifest, options)) ?? '');
  };
  return new Proxy(target, {
    get(store, prop) {
      if (prop === 'pushManifest') return pushManifest;
      const value: unknown = Reflect.get(store, prop, store);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(store) : value;
    },
  });
}

/**
 * Whether the target indexes a subject's referrers itself. A push answers it (every referrer pushed
 * now got `OCI-Subject`); when nothing was pushed, one referrers API call per run does (`probe`).
 */
export async function targetIndexes(pushed: readonly string[], answers: Map<string, string>, subject: string, probe: () => Promise<boolean>): Promise<boolean> {
  if (pushed.length) return pushed.every((digest) => answers.get(digest) === subject);
  return probe();
}

/** A memoised "does the target have the referrers API" (errors count as no: a fallback tag is harmless). */
export function apiProbe(target: ReferrersTarget, signal?: AbortSignal): (subject: string) => Promise<boolean> {
  let answer: Promise<boolean> | undefined;
  return (subject) => {
    if (!canListReferrers(target)) return Promise.resolve(false);
    answer ??= target.referrers(subject, { signal }).then(
      (r) => r !== undefined,
      () => false,
    );
    return answer;
  };
}

/**
 * Adds `descriptors` to the target's `sha256-<hex>` index of `subject` (merged, see mergeReferrersIndex).
 * With no index on the target yet and exactly the source index's entries, the source's bytes are pushed
 * unchanged, so both indexes have one digest.
 */
export async function updateFallbackIndex(
  target: ReferrersTarget,
  subject: string,
  descriptors: readonly Descriptor[],
  sourceIndex: RawManifest | undefined,
  options: { signal?: AbortSignal; observer?: CopyObserver },
): Promise<FallbackIndexRecord> {
  const tag = referrersTag(subject);
  const ref = `${target.registry}/${target.repository}:${tag}`;
  const { signal } = options;
  try {
    const head = await target.resolve(tag, { signal });
    const existing = head ? await target.fetchManifest(head.digest, { signal }) : undefined;
    const merged = !existing && sourceIndex && sameEntries(sourceIndex, descriptors) ? sourceIndex : mergeReferrersIndex(existing, descriptors);
    if (!merged) return { subject, tag, digest: head!.digest, status: 'unchanged' };
    await target.pushManifest(tag, merged, { signal });
    const digest = sha256Digest(merged.bytes);
    options.observer?.({ type: 'manifest', digest, reference: tag, mediaType: merged.mediaType });
    return { subject, tag, digest, status: 'written' };
  } catch (err) {
    throw toCopyError(err, 'push-manifest', 'destination', ref);
  }
}

function sameEntries(index: RawManifest, descriptors: readonly Descriptor[]): boolean {
  const listed = (JSON.parse(Buffer.from(index.bytes).toString('utf8')) as { manifests?: { digest?: string }[] }).manifests;
  return Array.isArray(listed) && listed.length === descriptors.length && listed.every((d, i) => d?.digest === descriptors[i]!.digest);
}
