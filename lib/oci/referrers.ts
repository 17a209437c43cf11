import type { Descriptor } from './manifest.js';
import type { CallOptions, ImageSource, ImageTarget, RawManifest } from './store.js';

export interface ReferrersCallOptions extends CallOptions {
  /** Only referrers of this artifact type (the `?artifactType=` query of the referrers API). */
  readonly artifactType?: string;
}

/**
 * Optional capability: the OCI 1.1 referrers API (distribution-spec "Listing Referrers",
 * `GET /v2/<name>/referrers/<digest>`). Contract:
 * - resolves to the descriptors of every manifest whose `subject` is `digest`, all pages followed;
 * - with `artifactType`, only those of that type: an implementation filters them itself when the
 *   registry did not (no `artifactType` in its `OCI-Filters-Applied` answer);
 * - resolves to `undefined` when the registry has no referrers API (404, or an answer that is not an
 *   OCI index): the caller falls back to the referrers tag schema. It never throws for that case.
 */
export interface ReferrersApi {
  referrers(digest: string, options?: ReferrersCallOptions): Promise<Descriptor[] | undefined>;
}

export function canListReferrers<T extends object>(store: T): store is T & ReferrersApi {
  return typeof (store as Partial<ReferrersApi>).referrers === 'function';
}

/**
 * Optional capability of a target: `ImageTarget.pushManifest` that also returns the registry's
 * `OCI-Subject` answer. A registry that sends it indexed the manifest's `subject` itself; one that does
 * not MUST be given the referrers tag schema by the client (distribution-spec "Pushing Manifests with
 * Subject"). Resolves to that header's digest, or `undefined` when the registry sent none.
 */
export interface SubjectReporter {
  pushManifestWithSubject(reference: string, manifest: RawManifest, options?: CallOptions): Promise<string | undefined>;
}

export function reportsSubject<T extends object>(target: T): target is T & SubjectReporter {
  return typeof (target as Partial<SubjectReporter>).pushManifestWithSubject === 'function';
}

/** What copying referrers reads: an image source, optionally with the referrers API. */
export type ReferrersSource = ImageSource & Partial<ReferrersApi>;

/**
 * What copying referrers writes: an image target that can read manifests back (to merge the fallback
 * tag's index) and optionally lists referrers (to learn whether it indexes them) and reports OCI-Subject.
 */
export type ReferrersTarget = ImageTarget & Pick<ImageSource, 'fetchManifest'> & Partial<ReferrersApi & SubjectReporter>;

/** Tags cosign attaches next to `sha256-<hex>`: signatures, in-toto attestations, SBOMs. */
export const COSIGN_SUFFIXES = ['sig', 'att', 'sbom'] as const;
export type CosignSuffix = (typeof COSIGN_SUFFIXES)[number];

/** `sha256:<hex>` -> `sha256-<hex>`: the referrers tag schema (distribution-spec "Referrers Tag Schema"). */
export function referrersTag(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  if (!algorithm || !hex) throw new TypeError(`not a digest: ${digest}`);
  // tags are at most 128 characters: the spec truncates both parts for long algorithms
  return `${algorithm.slice(0, 32)}-${hex.slice(0, 64)}`;
}

/** `sha256:<hex>` + `sig` -> `sha256-<hex>.sig` (cosign's tag-based storage). */
export function cosignTag(digest: string, suffix: CosignSuffix): string {
  return `${referrersTag(digest)}.${suffix}`;
}
