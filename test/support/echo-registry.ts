import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, readBody, stoppable } from './http-server.js';
import { sha256 } from './images.js';

/**
 * Where the echo registry refuses: `blob-get` answers 403 to every blob GET (the registry as a
 * source), `manifest-put` answers 403 to every manifest PUT (the registry as a destination).
 */
export type EchoRefusal = 'blob-get' | 'manifest-put';

export interface EchoRegistryOptions {
  readonly refuse: EchoRefusal;
  /** Basic credentials required on every /v2/ request. */
  readonly auth: { readonly username: string; readonly password: string };
  /** The `message` of the 403's distribution error body, made from the refused request's Authorization header. */
  readonly message: (authorization: string) => string;
}

export interface EchoRegistry {
  /** `127.0.0.1:PORT`, as a rule or security file names it. */
  readonly host: string;
  /** The image it serves from the start: `src/app:v1` (one small layer). */
  readonly image: { readonly repository: string; readonly tag: string };
  /** How many requests it refused with the echoing 403. */
  readonly refused: () => number;
  stop(): Promise<void>;
}

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/**
 * A small in-memory registry on 127.0.0.1 (plain http, Basic auth) that serves one image, accepts
 * pushes, and answers the chosen requests with a 403 whose error message echoes the credentials.
 */
export async function startEchoRegistry(options: EchoRegistryOptions): Promise<EchoRegistry> {
  const blobs = new Map<string, Buffer>(); // by `repository@digest`: no blob is shared across repositories
  const manifests = new Map<string, Buffer>();
  const uploads = new Map<string, Buffer[]>();
  const layer = Buffer.from('echo-registry layer '.repeat(500));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
  for (const b of [layer, config]) blobs.set(`src/app@${sha256(b)}`, b);
  const descriptor = (mediaType: string, b: Buffer): object => ({ mediaType, digest: sha256(b), size: b.length });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST,
      config: descriptor('application/vnd.oci.image.config.v1+json', config),
      layers: [descriptor('application/vnd.oci.image.layer.v1.tar', layer)],
    }),
  );
  manifests.set('src/app:v1', manifest);
  manifests.set(`src/app:${sha256(manifest)}`, manifest);
  const expected = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
  let refused = 0;

  const fail = (res: ServerResponse, status: number, code: string, message: string): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code, message }] }));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://registry');
    const method = req.method ?? 'GET';
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="echo"', 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    if (url.pathname === '/v2/') return void res.writeHead(200).end('{}');
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
    if (!m) return fail(res, 404, 'NAME_UNKNOWN', 'no such route');
    const [, repo, kind, ref] = m as unknown as [string, string, string, string];
    const refuse =
      (kind === 'blobs' && method === 'GET' && options.refuse === 'blob-get') ||
      (kind === 'manifests' && method === 'PUT' && options.refuse === 'manifest-put');
    if (refuse) {
      refused += 1;
      return fail(res, 403, 'DENIED', options.message(req.headers.authorization ?? ''));
    }
    if (kind === 'manifests') {
      if (method === 'PUT') {
        manifests.set(`${repo}:${ref}`, body).set(`${repo}:${sha256(body)}`, body);
        return void res.writeHead(201, { 'docker-content-digest': sha256(body) }).end();
      }
      const found = manifests.get(`${repo}:${ref}`);
      if (!found) return fail(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
      res.writeHead(200, { 'content-type': MANIFEST, 'content-length': found.length, 'docker-content-digest': sha256(found) });
      return void res.end(method === 'HEAD' ? undefined : found);
    }
    if (ref === 'uploads/' && method === 'POST') {
      const id = randomUUID();
      uploads.set(id, []);
      return void res.writeHead(202, { location: `/v2/${repo}/blobs/uploads/${id}`, range: '0-0', 'content-length': 0 }).end();
    }
    const upload = /^uploads\/(.+)$/.exec(ref);
    if (upload) {
      const parts = uploads.get(upload[1]!) ?? [];
      parts.push(body);
      const size = parts.reduce((n, p) => n + p.length, 0);
      if (method === 'PATCH') return void res.writeHead(202, { location: url.pathname, range: `0-${size - 1}` }).end();
      const all = Buffer.concat(parts);
      blobs.set(`${repo}@${sha256(all)}`, all);
      return void res.writeHead(201, { location: `/v2/${repo}/blobs/${sha256(all)}`, 'docker-content-digest': sha256(all) }).end();
    }
    const blob = blobs.get(`${repo}@${ref}`);
    if (!blob) return fail(res, 404, 'BLOB_UNKNOWN', 'blob unknown');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': blob.length, 'docker-content-digest': ref });
    res.end(method === 'HEAD' ? undefined : blob);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => res.writeHead(500).end(err.message));
  });
  const stop = stoppable(server);
  const host = await listen(server);
  return { host, image: { repository: 'src/app', tag: 'v1' }, refused: () => refused, stop };
}
