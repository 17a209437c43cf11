import { z } from 'zod';
import { sha256Digest, type Digest } from './digest.js';
import { MediaType, INDEX_TYPES, IMAGE_TYPES, SCHEMA1_TYPES } from './media-types.js';
import { CodedError } from '../util/errors.js';

/** Third-party JSON: permissive (loose objects) but every field we rely on is checked. */
export const Descriptor = z.looseObject({
  mediaType: z.string().min(1),
  digest: z.string().regex(/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/),
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  platform: z.looseObject({ os: z.string(), architecture: z.string(), variant: z.string().optional() }).optional(),
  artifactType: z.string().optional(),
});
export type Descriptor = z.infer<typeof Descriptor>;

const ImageBody = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: Descriptor,
  layers: z.array(Descriptor),
  subject: Descriptor.optional(),
});

const IndexBody = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(Descriptor),
  subject: Descriptor.optional(),
});

const Schema1Body = z.looseObject({
  schemaVersion: z.literal(1),
  fsLayers: z.array(z.looseObject({ blobSum: z.string() })),
});

/** A manifest as received: the bytes are the truth (the digest is of them); the parsed view is for walking. */
export type Manifest =
  | { kind: 'image'; mediaType: string; digest: Digest; bytes: Uint8Array; config: Descriptor; layers: Descriptor[] }
  | { kind: 'index'; mediaType: string; digest: Digest; bytes: Uint8Array; manifests: Descriptor[] }
  | { kind: 'schema1'; mediaType: string; digest: Digest; bytes: Uint8Array; blobSums: string[] };

export class ManifestError extends CodedError<'MANIFEST_INVALID'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MANIFEST_INVALID', message, options);
    this.name = 'ManifestError';
  }
}

/** Registries sometimes answer `application/json` or with parameters: take the body's own mediaType then. */
function effectiveMediaType(contentType: string | undefined, json: Record<string, unknown>): string {
  const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  const header = contentType?.split(';')[0]?.trim();
  if (header && [...INDEX_TYPES, ...IMAGE_TYPES, ...SCHEMA1_TYPES].includes(header)) return header;
  if (declared) return declared;
  if (json.schemaVersion === 1) return json.signatures ? MediaType.dockerSchema1Signed : MediaType.dockerSchema1;
  if (Array.isArray(json.manifests)) return MediaType.ociIndex;
  return MediaType.ociManifest;
}

/** Parses raw manifest bytes; never re-serialises. Throws ManifestError with the zod issues on bad input. */
export function parseManifest(bytes: Uint8Array, contentType?: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw new ManifestError('manifest is not valid JSON', { cause });
  }
  if (typeof json !== 'object' || json === null) throw new ManifestError('manifest is not a JSON object');
  const mediaType = effectiveMediaType(contentType, json as Record<string, unknown>);
  const digest = sha256Digest(bytes);
  const check = <T>(schema: z.ZodType<T>): T => {
    const result = schema.safeParse(json);
    if (!result.success) throw new ManifestError(`manifest (${mediaType}) is malformed: ${z.prettifyError(result.error)}`);
    return result.data;
  };
  if (INDEX_TYPES.includes(mediaType)) {
    return { kind: 'index', mediaType, digest, bytes, manifests: check(IndexBody).manifests };
  }
  if (SCHEMA1_TYPES.includes(mediaType)) {
    return { kind: 'schema1', mediaType, digest, bytes, blobSums: check(Schema1Body).fsLayers.map((l) => l.blobSum) };
  }
  if (IMAGE_TYPES.includes(mediaType) || (json as { config?: unknown }).config !== undefined) {
    const body = check(ImageBody);
    return { kind: 'image', mediaType, digest, bytes, config: body.config, layers: body.layers };
  }
  throw new ManifestError(`unsupported manifest media type "${mediaType}"`);
}

/** Blobs an image manifest references: config first, then layers; foreign layers (with urls) excluded. */
export function manifestBlobs(m: Manifest): Descriptor[] {
  if (m.kind === 'image') return [m.config, ...m.layers].filter((d) => !d.urls?.length);
  if (m.kind === 'schema1') {
    const unique = [...new Set(m.blobSums)];
    return unique.map((digest) => ({ mediaType: 'application/octet-stream', digest, size: -1 }));
  }
  return [];
}

export function platformOf(d: Descriptor): string | undefined {
  const p = d.platform;
  return p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : undefined;
}
