import { parseManifest, platformOf, sha256Digest, type Manifest } from '../oci/index.js';
import { CopyError } from './errors.js';

/** buildx attaches provenance/SBOM as `unknown/unknown` entries that point at the image they describe. */
const REFERENCE_TYPE = 'vnd.docker.reference.type';
const REFERENCE_DIGEST = 'vnd.docker.reference.digest';

/** `os/arch[/variant]`; a wanted platform without a variant matches every variant (`linux/arm64` ~ `linux/arm64/v8`). */
export function platformMatches(wanted: string, actual: string | undefined): boolean {
  if (!actual) return false;
  const [wo, wa, wv] = wanted.split('/');
  const [ao, aa, av] = actual.split('/');
  if (wo !== ao || wa !== aa) return false;
  return wv === undefined || wv === (av ?? (aa === 'arm64' ? 'v8' : undefined));
}

/**
 * An index reduced to `platforms`, plus the attestation entries of the kept images. When every entry is
 * kept the original bytes are returned (digest preserved); otherwise the index is re-serialised
 * (compact JSON, field order kept) and so gets a new digest. Image manifests are returned unchanged.
 */
export function filterPlatforms(root: Manifest, platforms: readonly string[], ref: string): Manifest {
  if (root.kind !== 'index') return root;
  const json = JSON.parse(Buffer.from(root.bytes).toString('utf8')) as { manifests: Array<Record<string, unknown>> };
  const kept = new Set(root.manifests.filter((d) => platforms.some((p) => platformMatches(p, platformOf(d)))).map((d) => d.digest));
  if (kept.size === 0) {
    const available = root.manifests.map(platformOf).filter(Boolean).join(', ') || 'none';
    throw new CopyError('PLATFORM_NOT_FOUND', 'resolve', 'source', ref, `${ref} has none of the platforms ${platforms.join(', ')} (it has: ${available})`);
  }
  const keep = (entry: Record<string, unknown>): boolean => {
    if (kept.has(entry.digest as string)) return true;
    const annotations = (entry.annotations ?? {}) as Record<string, unknown>;
    return annotations[REFERENCE_TYPE] === 'attestation-manifest' && kept.has(annotations[REFERENCE_DIGEST] as string);
  };
  const manifests = json.manifests.filter(keep);
  if (manifests.length === json.manifests.length) return root;
  const bytes = Buffer.from(JSON.stringify({ ...json, manifests }));
  const filtered = parseManifest(bytes, root.mediaType);
  return { ...filtered, digest: sha256Digest(bytes) };
}
