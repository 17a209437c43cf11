import { z } from 'zod';
import { parseManifest, platformOf, type ImageSource } from '../oci/index.js';
import { MAX_CONFIG_BYTES } from '../util/limits.js';
const Config = z.looseObject({ created: z.string().optional() });

/**
 * The `created` time of an image's config: for an index, of its first entry with a real platform
 * (attestations are `unknown/unknown`). Undefined when the image has no such field or it is not a date.
 * Costs one or two manifest GETs and one small blob GET.
 */
export async function imageCreated(source: ImageSource, tag: string, signal?: AbortSignal): Promise<Date | undefined> {
  let manifest = parseManifestOf(await source.fetchManifest(tag, { signal }));
  if (manifest.kind === 'index') {
    const child = manifest.manifests.find((d) => !(platformOf(d) ?? 'unknown/unknown').startsWith('unknown/')) ?? manifest.manifests[0];
    if (!child) return undefined;
    manifest = parseManifestOf(await source.fetchManifest(child.digest, { signal }));
  }
  if (manifest.kind !== 'image' || manifest.config.size > MAX_CONFIG_BYTES) return undefined;
  const body = await source.fetchBlob(manifest.config, { signal });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_CONFIG_BYTES) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  const parsed = Config.safeParse(safeJson(Buffer.concat(chunks)));
  const date = parsed.success && parsed.data.created ? new Date(parsed.data.created) : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

function parseManifestOf(raw: { bytes: Uint8Array; mediaType: string }) {
  return parseManifest(raw.bytes, raw.mediaType);
}

function safeJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
