import {
  canListReferrers,
  cosignTag,
  parseManifest,
  referrersTag,
  COSIGN_SUFFIXES,
  type CosignSuffix,
  type Descriptor,
  type RawManifest,
  type ReferrersSource,
} from '../oci/index.js';
import { toCopyError } from './errors.js';
import { COSIGN_ARTIFACT_TYPES, cosignArtifactTypes, selects } from './referrers-select.js';

export type ReferrerVia = 'api' | 'tag-fallback' | 'cosign-tag';

/** One referrer of a subject on the source, selected by the filter. */
export interface FoundReferrer {
  readonly subject: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly via: ReferrerVia;
  /** cosign-tag only: the tag, copied as is. */
  readonly tag?: string;
  /** api and tag-fallback: the descriptor as listed, for the target's fallback index. */
  readonly descriptor?: Descriptor;
}

export interface SubjectReferrers {
  /** Found through the referrers API or the `sha256-<hex>` index (they carry a `subject`). */
  readonly listed: FoundReferrer[];
  readonly cosign: FoundReferrer[];
  /** The source's `sha256-<hex>` index, so an unfiltered copy can reproduce it byte for byte. */
  readonly sourceIndex?: RawManifest;
}

export interface DiscoverContext {
  readonly source: ReferrersSource;
  readonly artifactTypes?: readonly string[];
  readonly signal?: AbortSignal;
  /** Learned on the first answer: a registry without the referrers API is not asked again. */
  sourceHasApi?: boolean;
}

/** The selected referrers of `subject`: referrers API, else the tag schema; cosign tags in both cases. */
export async function discoverReferrers(ctx: DiscoverContext, subject: string): Promise<SubjectReferrers> {
  const [listed, cosign] = await Promise.all([listedReferrers(ctx, subject), cosignReferrers(ctx, subject)]);
  return { ...listed, cosign };
}

async function listedReferrers(ctx: DiscoverContext, subject: string): Promise<Omit<SubjectReferrers, 'cosign'>> {
  const { source, signal } = ctx;
  const filter = ctx.artifactTypes;
  if (ctx.sourceHasApi !== false && canListReferrers(source)) {
    const artifactType = filter?.length === 1 ? filter[0] : undefined;
    const listed = await source.referrers(subject, { signal, ...(artifactType ? { artifactType } : {}) }).catch((err: unknown) => {
      throw toCopyError(err, 'resolve', 'source', `${where(source)} referrers of ${subject}`, subject);
    });
    ctx.sourceHasApi = listed !== undefined;
    if (listed) return { listed: select(listed, subject, 'api', filter) };
  }
  const tag = referrersTag(subject);
  const raw = await readTag(source, tag, signal);
  if (!raw) return { listed: [] };
  let index: ReturnType<typeof parseManifest>;
  try {
    index = parseManifest(raw.bytes, raw.mediaType);
  } catch (err) {
    throw toCopyError(err, 'fetch-manifest', 'source', `${where(source)}:${tag}`);
  }
  if (index.kind !== 'index') return { listed: [] };
  return { listed: select(index.manifests, subject, 'tag-fallback', filter), sourceIndex: raw };
}

function select(descriptors: readonly Descriptor[], subject: string, via: ReferrerVia, filter?: readonly string[]): FoundReferrer[] {
  return descriptors
    .filter((d) => d.digest !== subject && selects(filter, [d.artifactType]))
    .map((d) => ({
      subject,
      digest: d.digest,
      mediaType: d.mediaType,
      via,
      descriptor: d,
      ...(d.artifactType ? { artifactType: d.artifactType } : {}),
    }));
}

async function cosignReferrers(ctx: DiscoverContext, subject: string): Promise<FoundReferrer[]> {
  const found = await Promise.all(COSIGN_SUFFIXES.map((suffix) => cosignReferrer(ctx, subject, suffix)));
  return found.filter((f): f is FoundReferrer => f !== undefined);
}

async function cosignReferrer(ctx: DiscoverContext, subject: string, suffix: CosignSuffix): Promise<FoundReferrer | undefined> {
  const { source, signal } = ctx;
  const tag = cosignTag(subject, suffix);
  const head = await source.resolve(tag, { signal }).catch((err: unknown) => {
    throw toCopyError(err, 'resolve', 'source', `${where(source)}:${tag}`);
  });
  if (!head) return undefined;
  const filter = ctx.artifactTypes;
  // the suffix alone decides when the filter names its type; otherwise the manifest's media types do
  if (!selects(filter, [COSIGN_ARTIFACT_TYPES[suffix]])) {
    const raw = await source.fetchManifest(head.digest, { signal }).catch((err: unknown) => {
      throw toCopyError(err, 'fetch-manifest', 'source', `${where(source)}:${tag}`, head.digest);
    });
    if (!selects(filter, cosignArtifactTypes(suffix, raw))) return undefined;
  }
  return { subject, digest: head.digest, mediaType: head.mediaType, artifactType: COSIGN_ARTIFACT_TYPES[suffix], via: 'cosign-tag', tag };
}

/** The manifest a tag names, or undefined when there is none. */
async function readTag(source: ReferrersSource, tag: string, signal?: AbortSignal): Promise<RawManifest | undefined> {
  const ref = `${where(source)}:${tag}`;
  try {
    const head = await source.resolve(tag, { signal });
    return head ? await source.fetchManifest(head.digest, { signal }) : undefined;
  } catch (err) {
    throw toCopyError(err, 'fetch-manifest', 'source', ref);
  }
}

function where(store: { registry: string; repository: string }): string {
  return `${store.registry}/${store.repository}`;
}
