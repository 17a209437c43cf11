import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { listen, readBody, stoppable } from './http-server.js';
import type { Pki } from './pki.js';
import { prepareScenario, serveScenario, type HostileBehaviour } from './hostile-scenarios.js';
import { sha256 } from './images.js';

/**
 * What the hostile registry does wrong. One scenario per server; `well-behaved` is the control.
 * - `blob-redirect-foreign-challenge`: a blob GET is redirected (307) to the other host, which answers
 *   401 with a Bearer challenge whose realm is on the other host.
 * - `upload-foreign-challenge`: an upload session's Location is on the other host, which answers 401
 *   with such a challenge to every PATCH, PUT, GET and DELETE.
 * - the others: see hostile-scenarios.ts.
 */
export type HostileScenario = 'well-behaved' | 'blob-redirect-foreign-challenge' | 'upload-foreign-challenge' | HostileBehaviour;

export interface HostileOptions {
  readonly scenario: HostileScenario;
  /** Basic credentials the registry requires on every /v2/ request. */
  readonly auth: { readonly username: string; readonly password: string };
  /** https (both listeners) with the test PKI's server certificate; plain http without. */
  readonly pki?: Pki;
  /** Size of the one layer of the image it serves. @default 64 KiB */
  readonly layerSize?: number;
  /** The pause between two bytes of the trickle scenarios. @default 10 s */
  readonly trickleMs?: number;
}

/** One request as a listener saw it (headers lower-cased by Node). */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

export interface HostileRegistry {
  /** `127.0.0.1:PORT`, as a rule or security file names it. */
  readonly host: string;
  readonly url: string;
  /** PEM file of the CA to trust (https only). */
  readonly caFile?: string;
  /** The repository and tag it serves, and the image's manifest digest. */
  readonly image: { readonly repository: string; readonly tag: string; readonly digest: string };
  readonly requests: SeenRequest[];
  /** `repository:reference` of every manifest PUT it accepted. */
  readonly manifestsWritten: string[];
  /** The second listener: another host the user never named. */
  readonly other: { readonly url: string; readonly requests: SeenRequest[] };
  stop(): Promise<void>;
}

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** Deterministic bytes: a SHA-256 chain, so each run serves the same image. */
function layerBytes(size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update('hostile-layer').digest();
  for (let at = 0; at < size; at += block.length) {
    block.copy(out, at);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

function record(list: SeenRequest[], req: IncomingMessage): void {
  list.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const notFound = (res: ServerResponse, code: string): void => json(res, 404, { errors: [{ code, message: code.toLowerCase() }] });

/**
 * A small registry on 127.0.0.1 that misbehaves as `scenario` says, with a second listener standing in
 * for another host. It serves one OCI image (`hostile/app:v1`) and accepts pushes, so it can stand as a
 * source or a destination. Every request to either listener is recorded, headers included, so a test
 * can prove where credentials went.
 */
export async function startHostileRegistry(options: HostileOptions): Promise<HostileRegistry> {
  const layer = layerBytes(options.layerSize ?? 64 * 1024);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length }],
    }),
  );
  const image = { repository: 'hostile/app', tag: 'v1', digest: sha256(manifest) };
  const blobs = new Map<string, Buffer>([
    [sha256(config), config],
    [sha256(layer), layer],
  ]);
  const manifests = new Map<string, Buffer>([
    [`${image.repository}:${image.tag}`, manifest],
    [`${image.repository}:${image.digest}`, manifest],
  ]);
  const scenario = { behaviour: options.scenario, image, manifests, self: () => self, trickleMs: options.trickleMs ?? 10_000 };
  prepareScenario(scenario);
  const uploads = new Map<string, Buffer>();
  const requests: SeenRequest[] = [];
  const otherRequests: SeenRequest[] = [];
  const manifestsWritten: string[] = [];
  const basic = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
  const tls = options.pki ? { cert: readFileSync(options.pki.serverCert), key: readFileSync(options.pki.serverKey) } : undefined;
  const make = (handler: (req: IncomingMessage, res: ServerResponse) => void): Server => (tls ? createHttpsServer(tls, handler) : createHttpServer(handler));
  let self = '';
  let other = '';

  const registry = make((req, res) => {
    record(requests, req);
    void serveRegistry(req, res).catch(() => res.destroy());
  });
  const foreign = make((req, res) => {
    record(otherRequests, req);
    void serveOther(req, res).catch(() => res.destroy());
  });

  async function serveRegistry(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', self);
    const body = await readBody(req);
    if (serveScenario(scenario, req, res, url)) return;
    if (req.headers.authorization !== basic) {
      json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'www-authenticate': 'Basic realm="hostile"' });
      return;
    }
    if (url.pathname === '/v2/') return json(res, 200, {});
    const m = url.pathname.match(/^\/v2\/(.+?)\/(manifests|blobs|tags)\/(.*)$/);
    if (!m) return notFound(res, 'NAME_UNKNOWN');
    const [, repository, kind, rest] = m as unknown as [string, string, string, string];
    if (kind === 'manifests') return serveManifest(req, res, repository, rest, body);
    if (kind === 'tags')
      return json(res, 200, {
        name: repository,
        tags: [...manifests.keys()]
          .filter((k) => k.startsWith(`${repository}:`) && !k.includes('@') && !k.includes('sha256:'))
          .map((k) => k.slice(repository.length + 1)),
      });
    if (rest.startsWith('uploads/')) return serveUpload(req, res, url, repository, rest.slice('uploads/'.length), body);
    const blob = blobs.get(rest);
    if (!blob) return notFound(res, 'BLOB_UNKNOWN');
    if (req.method === 'GET' && options.scenario === 'blob-redirect-foreign-challenge') {
      res.writeHead(307, { location: `${other}/storage/${rest}`, 'content-length': 0 });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': blob.length, 'docker-content-digest': rest });
    res.end(req.method === 'HEAD' ? undefined : blob);
  }

  function serveManifest(req: IncomingMessage, res: ServerResponse, repository: string, reference: string, body: Buffer): void {
    if (req.method === 'PUT') {
      manifests.set(`${repository}:${reference}`, body);
      manifests.set(`${repository}:${sha256(body)}`, body);
      manifestsWritten.push(`${repository}:${reference}`);
      res.writeHead(201, { 'docker-content-digest': sha256(body), location: `/v2/${repository}/manifests/${sha256(body)}`, 'content-length': 0 });
      res.end();
      return;
    }
    const found = manifests.get(`${repository}:${reference}`);
    if (!found) return notFound(res, 'MANIFEST_UNKNOWN');
    const type = (JSON.parse(found.toString()) as { mediaType?: string }).mediaType ?? MANIFEST;
    res.writeHead(200, { 'content-type': type, 'content-length': found.length, 'docker-content-digest': sha256(found) });
    res.end(req.method === 'HEAD' ? undefined : found);
  }

  function serveUpload(req: IncomingMessage, res: ServerResponse, url: URL, repository: string, id: string, body: Buffer): void {
    if (req.method === 'POST') {
      const mount = url.searchParams.get('mount');
      if (mount && blobs.has(mount)) {
        res.writeHead(201, { location: `/v2/${repository}/blobs/${mount}`, 'content-length': 0 });
        res.end();
        return;
      }
      const session = randomBytes(8).toString('hex');
      uploads.set(session, Buffer.alloc(0));
      const location = options.scenario === 'upload-foreign-challenge' ? `${other}/uploads/${session}` : `/v2/${repository}/blobs/uploads/${session}`;
      res.writeHead(202, { location, range: '0-0', 'docker-upload-uuid': session, 'content-length': 0 });
      res.end();
      return;
    }
    const data = uploads.get(id);
    if (data === undefined) return notFound(res, 'BLOB_UPLOAD_UNKNOWN');
    if (req.method === 'DELETE') {
      uploads.delete(id);
      res.writeHead(204);
      res.end();
      return;
    }
    const sofar = Buffer.concat([data, body]);
    uploads.set(id, sofar);
    const location = `/v2/${repository}/blobs/uploads/${id}`;
    if (req.method === 'PATCH' || req.method === 'GET') {
      res.writeHead(req.method === 'GET' ? 204 : 202, { location, range: `0-${Math.max(sofar.length - 1, 0)}`, 'content-length': 0 });
      res.end();
      return;
    }
    const digest = url.searchParams.get('digest') ?? '';
    if (sha256(sofar) !== digest) return json(res, 400, { errors: [{ code: 'DIGEST_INVALID', message: 'digest mismatch' }] });
    uploads.delete(id);
    blobs.set(digest, sofar);
    res.writeHead(201, { location: `/v2/${repository}/blobs/${digest}`, 'docker-content-digest': digest, 'content-length': 0 });
    res.end();
  }

  /** The other host: a token endpoint that takes whatever it is sent, and a 401 naming it for anything else. */
  async function serveOther(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await readBody(req);
    if ((req.url ?? '').startsWith('/token')) return json(res, 200, { token: 'token-from-the-other-host', expires_in: 300 });
    json(
      res,
      401,
      { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
      {
        'www-authenticate': `Bearer realm="${other}/token",service="other",scope="repository:${image.repository}:pull"`,
      },
    );
  }

  const scheme = tls ? 'https' : 'http';
  const [host, otherHost] = await Promise.all([listen(registry), listen(foreign)]);
  self = `${scheme}://${host}`;
  other = `${scheme}://${otherHost}`;
  const stops = [stoppable(registry), stoppable(foreign)];
  return {
    host,
    url: self,
    ...(options.pki ? { caFile: options.pki.caCert } : {}),
    image,
    requests,
    manifestsWritten,
    other: { url: other, requests: otherRequests },
    stop: async () => {
      await Promise.all(stops.map((stop) => stop()));
    },
  };
}

/** Every form in which these credentials could travel: plain, `user:pass`, and its base64 (Basic). */
export function credentialForms(auth: { username: string; password: string }): string[] {
  const pair = `${auth.username}:${auth.password}`;
  return [auth.password, pair, Buffer.from(pair).toString('base64'), Buffer.from(pair).toString('base64url')];
}

/** The requests of `seen` that carry any of `forms` in their URL or any header, or any Authorization at all. */
export function leaks(seen: readonly SeenRequest[], forms: readonly string[]): SeenRequest[] {
  return seen.filter((r) => {
    if (r.headers.authorization !== undefined) return true;
    const text = `${r.url}\n${JSON.stringify(r.headers)}`;
    return forms.some((f) => text.includes(f) || text.includes(encodeURIComponent(f)));
  });
}
