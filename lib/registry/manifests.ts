import { MANIFEST_ACCEPT, sha256Digest, type ManifestHead, type RawManifest } from '../oci/index.js';
import { repoScope } from './auth.js';
import { readBounded } from './bounded-read.js';
import { header, type RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { MAX_MANIFEST_BYTES } from '../util/limits.js';

/** A Content-Type without its parameters (`; charset=utf-8`): the media type compared everywhere else. */
const mediaTypeOf = (headers: Record<string, string | string[] | undefined>): string => (header(headers, 'content-type') ?? '').split(';')[0]!.trim();

const path = (repository: string, reference: string): string => `/v2/${repository}/manifests/${encodeURIComponent(reference).replace(/%3A/g, ':')}`;

/** HEAD; undefined on 404. Falls back to a GET when the registry omits `Docker-Content-Digest`. */
export async function headManifest(client: RegistryClient, repository: string, reference: string, signal?: AbortSignal): Promise<ManifestHead | undefined> {
  const res = await client.request({
    method: 'HEAD',
    path: path(repository, reference),
    scopes: [repoScope(repository, 'pull')],
    headers: { accept: MANIFEST_ACCEPT },
    expect: [200, 404],
    signal,
  });
  await res.body.dump();
  if (res.status === 404) return undefined;
  const digest = header(res.headers, 'docker-content-digest');
  const mediaType = mediaTypeOf(res.headers);
  const size = Number(header(res.headers, 'content-length') ?? -1);
  if (digest) return { digest, mediaType, size };
  const full = await getManifest(client, repository, reference, signal);
  return { digest: sha256Digest(full.bytes), mediaType: full.mediaType, size: full.bytes.length };
}

export async function getManifest(client: RegistryClient, repository: string, reference: string, signal?: AbortSignal): Promise<RawManifest> {
  const res = await client.request({
    method: 'GET',
    path: path(repository, reference),
    scopes: [repoScope(repository, 'pull')],
    headers: { accept: MANIFEST_ACCEPT },
    expect: [200],
    signal,
  });
  const bytes = await readBounded(res, MAX_MANIFEST_BYTES, 'manifest');
  return { bytes, mediaType: mediaTypeOf(res.headers) };
}

/** PUT by tag or digest; the registry must acknowledge the same digest as the bytes. */
export async function putManifest(
  client: RegistryClient,
  repository: string,
  reference: string,
  manifest: RawManifest,
  signal?: AbortSignal,
): Promise<{ digest: string; ociSubject?: string }> {
  const expected = sha256Digest(manifest.bytes);
  const res = await client.request({
    method: 'PUT',
    path: path(repository, reference),
    scopes: [repoScope(repository, 'pull,push')],
    headers: { 'content-type': manifest.mediaType },
    body: Buffer.from(manifest.bytes),
    expect: [200, 201, 202],
    signal,
  });
  await res.body.dump();
  const acknowledged = header(res.headers, 'docker-content-digest');
  if (acknowledged && acknowledged !== expected) {
    throw new RegistryError({
      code: 'REGISTRY_PROTOCOL',
      method: 'PUT',
      url: res.url,
      detail: `registry stored the manifest as ${acknowledged}, expected ${expected} (it rewrote the manifest)`,
    });
  }
  const ociSubject = header(res.headers, 'oci-subject');
  return { digest: expected, ...(ociSubject ? { ociSubject } : {}) };
}
