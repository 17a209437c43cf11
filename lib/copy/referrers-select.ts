import { MediaType, type CosignSuffix, type Descriptor, type RawManifest } from '../oci/index.js';

/**
 * The artifact type each cosign tag stands for in an `artifactTypes` filter: cosign's own OCI 1.1
 * artifact types for signatures and SBOMs, and the DSSE envelope it stores attestations in (cosign
 * gives `.att` manifests no artifact type of their own).
 */
export const COSIGN_ARTIFACT_TYPES: Readonly<Record<CosignSuffix, string>> = {
  sig: 'application/vnd.dev.cosign.artifact.sig.v1+json',
  att: 'application/vnd.dsse.envelope.v1+json',
  sbom: 'application/vnd.dev.cosign.artifact.sbom.v1+json',
};

/** True when there is no filter, or the filter names one of `types`. */
export function selects(filter: readonly string[] | undefined, types: readonly (string | undefined)[]): boolean {
  return !filter?.length || types.some((t) => t !== undefined && filter.includes(t));
}

/**
 * Every type a cosign tag's manifest can be selected by: its suffix's type (above), then the manifest's
 * `artifactType`, config media type and layer media types (e.g. `text/spdx+json` for an SPDX `.sbom`,
 * `application/vnd.dev.cosign.simplesigning.v1+json` for a `.sig`).
 */
export function cosignArtifactTypes(suffix: CosignSuffix, manifest?: RawManifest): string[] {
  const types = [COSIGN_ARTIFACT_TYPES[suffix]];
  if (!manifest) return types;
  try {
    const json = JSON.parse(Buffer.from(manifest.bytes).toString('utf8')) as {
      artifactType?: unknown;
      config?: { mediaType?: unknown };
      layers?: { mediaType?: unknown }[];
    };
    const found = [json.artifactType, json.config?.mediaType, ...(Array.isArray(json.layers) ? json.layers.map((l) => l?.mediaType) : [])];
    for (const t of found) if (typeof t === 'string' && !types.includes(t)) types.push(t);
  } catch {
    // not JSON: only the suffix's type applies
  }
  return types;
}

/**
 * The referrers tag schema's index with `added` merged in (distribution-spec "Referrers Tag Schema"):
 * existing entries keep their order and the index its other fields; new digests are appended sorted
 * by digest, each once. Resolves to undefined when the index already lists every digest. An existing
 * body that is not an OCI index is replaced: the `sha256-<hex>` tag is reserved for this index.
 */
export function mergeReferrersIndex(existing: RawManifest | undefined, added: readonly Descriptor[]): RawManifest | undefined {
  const base = existing ? parseIndex(existing) : undefined;
  const manifests: Descriptor[] = base?.manifests ?? [];
  const known = new Set(manifests.map((d) => d.digest));
  const fresh = [...new Map(added.filter((d) => !known.has(d.digest)).map((d) => [d.digest, d])).values()];
  if (base && fresh.length === 0) return undefined;
  fresh.sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  const body = { ...(base?.json ?? { schemaVersion: 2, mediaType: MediaType.ociIndex }), manifests: [...manifests, ...fresh] };
  return { bytes: Buffer.from(JSON.stringify(body)), mediaType: MediaType.ociIndex };
}

function parseIndex(raw: RawManifest): { json: Record<string, unknown>; manifests: Descriptor[] } | undefined {
  try {
    const json = JSON.parse(Buffer.from(raw.bytes).toString('utf8')) as Record<string, unknown>;
    if (json.schemaVersion !== 2 || !Array.isArray(json.manifests)) return undefined;
    const manifests = (json.manifests as Descriptor[]).filter((d) => typeof d?.digest === 'string');
    return { json, manifests };
  } catch {
    return undefined;
  }
}
