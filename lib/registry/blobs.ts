import type { Readable } from 'node:stream';
import { repoScope, type Scope } from './auth.js';
import { header, type RegistryClient } from './client.js';
import { RegistryError } from './errors.js';

/** Open upload session: the newest `Location` must always be used (`_state` changes per request). */
export interface UploadSession {
  readonly repository: string;
  location: string;
  /** Bytes the registry has acknowledged so far (chunked uploads). */
  offset: number;
}

export async function headBlob(client: RegistryClient, repository: string, digest: string, signal?: AbortSignal): Promise<boolean> {
  const res = await client.request({
    method: 'HEAD',
    path: `/v2/${repository}/blobs/${digest}`,
    scopes: [repoScope(repository, 'pull')],
    expect: [200, 404],
    signal,
  });
  await res.body.dump();
  return res.status === 200;
}

/**
 * Streams a blob, from `offset` when given (HTTP Range). Redirects to blob storage are followed
 * without credentials. Returns the offset the stream really starts at (0 if Range was ignored).
 */
export async function getBlob(
  client: RegistryClient,
  repository: string,
  digest: string,
  options: { offset?: number; signal?: AbortSignal } = {},
): Promise<{ body: Readable; offset: number; size?: number }> {
  const offset = options.offset ?? 0;
  const res = await client.request({
    method: 'GET',
    path: `/v2/${repository}/blobs/${digest}`,
    scopes: [repoScope(repository, 'pull')],
    headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
    expect: [200, 206],
    signal: options.signal,
  });
  const length = header(res.headers, 'content-length');
  return { body: res.body, offset: res.status === 206 ? offset : 0, size: length === undefined ? undefined : Number(length) };
}

function uploadUrl(client: RegistryClient, location: string): string {
  return new URL(location, client.baseUrl).toString();
}

/**
 * `POST /blobs/uploads/`, with `?mount=&from=` when `mountFrom` is given. Returns 'mounted' when the
 * registry mounted the blob (201), else an open session (202) to upload into or cancel.
 */
export async function startUpload(
  client: RegistryClient,
  repository: string,
  options: { mount?: { digest: string; from: string }; signal?: AbortSignal } = {},
): Promise<'mounted' | UploadSession> {
  const scopes: Scope[] = [repoScope(repository, 'pull,push')];
  let path = `/v2/${repository}/blobs/uploads/`;
  if (options.mount) {
    // a mount from the repository itself asks whether it holds the blob: its push scope covers that
    if (options.mount.from !== repository) scopes.push(repoScope(options.mount.from, 'pull'));
    path += `?mount=${options.mount.digest}&from=${encodeURIComponent(options.mount.from)}`;
  }
  const res = await client.request({ method: 'POST', path, scopes, expect: [201, 202], signal: options.signal, headers: { 'content-length': '0' } });
  await res.body.dump();
  if (res.status === 201 && options.mount) return 'mounted';
  const location = header(res.headers, 'location');
  if (!location) throw new RegistryError({ code: 'REGISTRY_PROTOCOL', method: 'POST', url: res.url, detail: 'upload session without Location' });
  return { repository, location: uploadUrl(client, location), offset: 0 };
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.toString();
}

/** Monolithic upload: one streamed `PUT <location>?digest=` with the whole body. */
export async function putBlob(
  client: RegistryClient,
  session: UploadSession,
  digest: string,
  size: number,
  body: Readable,
  signal?: AbortSignal,
): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (size >= 0) headers['content-length'] = String(size);
  const res = await client.request({
    method: 'PUT',
    path: withDigest(session.location, digest),
    scopes: [repoScope(session.repository, 'pull,push')],
    headers,
    body,
    expect: [201, 204],
    signal,
  });
  await res.body.dump();
}

/** Chunked upload step: streams `length` bytes at the session offset; follows the new Location. */
export async function patchChunk(client: RegistryClient, session: UploadSession, body: Readable | Buffer, length: number, signal?: AbortSignal): Promise<void> {
  const res = await client.request({
    method: 'PATCH',
    path: session.location,
    scopes: [repoScope(session.repository, 'pull,push')],
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(length),
      'content-range': `${session.offset}-${session.offset + length - 1}`,
    },
    body,
    expect: [202],
    signal,
  });
  await res.body.dump();
  session.location = uploadUrl(client, header(res.headers, 'location') ?? session.location);
  const range = header(res.headers, 'range')?.match(/^(?:bytes=)?0-(\d+)$/);
  session.offset = range ? Number(range[1]) + 1 : session.offset + length;
}

/** Closes a chunked upload: `PUT <location>?digest=` with no body. */
export async function finishUpload(client: RegistryClient, session: UploadSession, digest: string, signal?: AbortSignal): Promise<void> {
  const res = await client.request({
    method: 'PUT',
    path: withDigest(session.location, digest),
    scopes: [repoScope(session.repository, 'pull,push')],
    headers: { 'content-length': '0' },
    expect: [201, 204],
    signal,
  });
  await res.body.dump();
}

/** Asks where an upload stands (`GET <location>` -> 204 + Range); returns the next offset. */
export async function uploadStatus(client: RegistryClient, session: UploadSession, signal?: AbortSignal): Promise<number> {
  const res = await client.request({ method: 'GET', path: session.location, scopes: [repoScope(session.repository, 'pull,push')], expect: [204], signal });
  await res.body.dump();
  session.location = uploadUrl(client, header(res.headers, 'location') ?? session.location);
  const range = header(res.headers, 'range')?.match(/^(?:bytes=)?0-(\d+)$/);
  session.offset = range ? Number(range[1]) + 1 : 0;
  return session.offset;
}

/** Best-effort DELETE of an unused session (a 202 from a failed mount, or an aborted upload). */
export async function cancelUpload(client: RegistryClient, session: UploadSession): Promise<void> {
  try {
    const res = await client.request({
      method: 'DELETE',
      path: session.location,
      scopes: [repoScope(session.repository, 'pull,push')],
      expect: [200, 202, 204, 404],
    });
    await res.body.dump();
  } catch {
    // the registry purges abandoned sessions itself; nothing else to do
  }
}
