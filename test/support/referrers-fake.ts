import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, readBody, stoppable } from './http-server.js';
import { sha256 } from './images.js';

/**
 * In-process registry with the OCI 1.1 referrers API, on 127.0.0.1, plain http, no auth: just enough
 * of the distribution API for copy tests (blobs: HEAD/GET/monolithic and chunked upload/mount;
 * manifests: HEAD/GET/PUT by tag or digest; `GET /referrers/<digest>` with `?artifactType=`,
 * `OCI-Filters-Applied`, `Link` paging; `OCI-Subject` on the PUT of a manifest with `subject`).
 */
export interface ReferrersFake {
  readonly url: string;
  readonly host: string;
  /** `METHOD path` of every request, in order. */
  readonly requests: string[];
  /** Tags of a repository, tag -> digest. */
  tags(repo: string): Map<string, string>;
  hasManifest(repo: string, digest: string): boolean;
  hasBlob(repo: string, digest: string): boolean;
  stop(): Promise<void>;
}

export interface ReferrersFakeOptions {
  /** Referrers per page; more are paged with a `Link` header. @default 100 */
  pageSize?: number;
  /** When false the server ignores `?artifactType=` (no OCI-Filters-Applied): clients must filter. @default true */
  applyFilters?: boolean;
}

interface Stored {
  bytes: Buffer;
  mediaType: string;
}

interface Repo {
  blobs: Map<string, Buffer>;
  manifests: Map<string, Stored>;
  tags: Map<string, string>;
  /** subject digest -> referrer descriptors, in push order */
  referrers: Map<string, object[]>;
}

export async function startReferrersFake(options: ReferrersFakeOptions = {}): Promise<ReferrersFake> {
  const repos = new Map<string, Repo>();
  const uploads = new Map<string, Buffer[]>();
  const requests: string[] = [];
  const repo = (name: string): Repo => {
    let r = repos.get(name);
    if (!r) repos.set(name, (r = { blobs: new Map(), manifests: new Map(), tags: new Map(), referrers: new Map() }));
    return r;
  };
  const ctx: Ctx = { repo, uploads, options };
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handle(ctx, req, res).catch((err: Error) => send(res, 500, { errors: [{ code: 'UNKNOWN', message: err.message }] }));
  });
  const stop = stoppable(server);
  const host = await listen(server);
  return {
    url: `http://${host}`,
    host,
    requests,
    tags: (name) => repo(name).tags,
    hasManifest: (name, digest) => repo(name).manifests.has(digest),
    hasBlob: (name, digest) => repo(name).blobs.has(digest),
    stop,
  };
}

interface Ctx {
  repo(name: string): Repo;
  uploads: Map<string, Buffer[]>;
  options: ReferrersFakeOptions;
}

async function handle(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const method = req.method ?? 'GET';
  if (url.pathname === '/v2/' || url.pathname === '/v2') return send(res, 200, {});
  let m = url.pathname.match(/^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/);
  if (m) return upload(ctx, ctx.repo(m[1]!), m[1]!, m[2]!, method, url, req, res);
  m = url.pathname.match(/^\/v2\/(.+)\/(blobs|manifests|referrers)\/([^/]+)$/);
  if (!m) return send(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'no route' }] });
  const [, name, kind, ref] = m as unknown as [string, string, string, string];
  const r = ctx.repo(name);
  if (kind === 'blobs') {
    const blob = r.blobs.get(ref);
    if (!blob) return send(res, 404, { errors: [{ code: 'BLOB_UNKNOWN', message: ref }] });
    res.writeHead(200, { 'content-length': blob.length, 'docker-content-digest': ref, 'content-type': 'application/octet-stream' });
    return void res.end(method === 'HEAD' ? undefined : blob);
  }
  if (kind === 'referrers') return referrers(ctx, r, name, ref, url, res);
  if (method === 'PUT') return putManifest(r, name, ref, await readBody(req), req.headers['content-type'] ?? '', res);
  const digest = ref.startsWith('sha256:') ? ref : r.tags.get(ref);
  const stored = digest ? r.manifests.get(digest) : undefined;
  if (!stored || !digest) return send(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: ref }] });
  res.writeHead(200, { 'content-type': stored.mediaType, 'content-length': stored.bytes.length, 'docker-content-digest': digest });
  res.end(method === 'HEAD' ? undefined : stored.bytes);
}

async function upload(ctx: Ctx, r: Repo, name: string, id: string, method: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (method === 'POST') {
    const mount = url.searchParams.get('mount');
    const from = url.searchParams.get('from');
    const blob = mount && from ? ctx.repo(from).blobs.get(mount) : undefined;
    if (mount && blob) {
      r.blobs.set(mount, blob);
      res.writeHead(201, { location: `/v2/${name}/blobs/${mount}`, 'docker-content-digest': mount, 'content-length': 0 });
      return void res.end();
    }
    const uuid = randomUUID();
    ctx.uploads.set(uuid, []);
    res.writeHead(202, { location: `/v2/${name}/blobs/uploads/${uuid}`, range: '0-0', 'content-length': 0, 'docker-upload-uuid': uuid });
    return void res.end();
  }
  const parts = ctx.uploads.get(id);
  if (!parts) return send(res, 404, { errors: [{ code: 'BLOB_UPLOAD_UNKNOWN', message: id }] });
  if (method === 'DELETE') {
    ctx.uploads.delete(id);
    res.writeHead(204);
    return void res.end();
  }
  parts.push(await readBody(req));
  const size = parts.reduce((n, p) => n + p.length, 0);
  if (method === 'PATCH') {
    res.writeHead(202, { location: `/v2/${name}/blobs/uploads/${id}`, range: `0-${Math.max(0, size - 1)}`, 'content-length': 0 });
    return void res.end();
  }
  const data = Buffer.concat(parts);
  const digest = url.searchParams.get('digest');
  ctx.uploads.delete(id);
  if (method !== 'PUT' || digest !== sha256(data)) return send(res, 400, { errors: [{ code: 'DIGEST_INVALID', message: String(digest) }] });
  r.blobs.set(digest, data);
  res.writeHead(201, { location: `/v2/${name}/blobs/${digest}`, 'docker-content-digest': digest, 'content-length': 0 });
  res.end();
}

function putManifest(r: Repo, name: string, ref: string, bytes: Buffer, contentType: string, res: ServerResponse): void {
  const digest = sha256(bytes);
  if (ref.startsWith('sha256:') && ref !== digest) return send(res, 400, { errors: [{ code: 'DIGEST_INVALID', message: ref }] });
  const json = JSON.parse(bytes.toString('utf8')) as {
    artifactType?: string;
    config?: { mediaType?: string };
    subject?: { digest?: string };
    annotations?: Record<string, string>;
  };
  const mediaType = contentType.split(';')[0]!.trim();
  r.manifests.set(digest, { bytes, mediaType });
  if (!ref.startsWith('sha256:')) r.tags.set(ref, digest);
  const headers: Record<string, string | number> = { location: `/v2/${name}/manifests/${digest}`, 'docker-content-digest': digest, 'content-length': 0 };
  const subject = json.subject?.digest;
  if (subject) {
    const list = r.referrers.get(subject) ?? [];
    if (!list.some((d) => (d as { digest: string }).digest === digest)) {
      const artifactType = json.artifactType ?? json.config?.mediaType;
      list.push({
        mediaType,
        digest,
        size: bytes.length,
        ...(artifactType ? { artifactType } : {}),
        ...(json.annotations ? { annotations: json.annotations } : {}),
      });
    }
    r.referrers.set(subject, list);
    headers['oci-subject'] = subject;
  }
  res.writeHead(201, headers);
  res.end();
}

function referrers(ctx: Ctx, r: Repo, name: string, digest: string, url: URL, res: ServerResponse): void {
  const wanted = url.searchParams.get('artifactType');
  const filter = wanted && ctx.options.applyFilters !== false ? wanted : undefined;
  const all = (r.referrers.get(digest) ?? []).filter((d) => !filter || (d as { artifactType?: string }).artifactType === filter);
  const pageSize = ctx.options.pageSize ?? 100;
  const start = Number(url.searchParams.get('last') ?? 0);
  const page = all.slice(start, start + pageSize);
  const headers: Record<string, string> = { 'content-type': 'application/vnd.oci.image.index.v1+json' };
  if (filter) headers['oci-filters-applied'] = 'artifactType';
  if (start + pageSize < all.length) {
    const next = new URL(`/v2/${name}/referrers/${digest}`, 'http://fake');
    if (wanted) next.searchParams.set('artifactType', wanted);
    next.searchParams.set('last', String(start + pageSize));
    headers.link = `<${next.pathname}${next.search}>; rel="next"`;
  }
  res.writeHead(200, headers);
  res.end(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: page }));
}

function send(res: ServerResponse, status: number, body: object): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}
