import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { readFile } from 'node:fs/promises';
import { RegistryClient } from '../../lib/registry/index.js';
import { listen, readBody, stoppable } from './http-server.js';
import { ensurePki } from './pki.js';

/** One request the scripted registry routed, recorded once its body was read whole. */
export interface SeenRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The scopes of the built-in realm's token the request carried (see `tokenRealm`); undefined without one. */
  readonly scopes: string[] | undefined;
  readonly body: Buffer;
}

export interface ScriptedReply {
  /** @default 200 */
  readonly status?: number;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
}

/** A canned reply, or a function that returns one, or answers `res` itself (or never) and returns undefined. */
export type ScriptedRoute = ScriptedReply | ((req: SeenRequest, res: ServerResponse) => ScriptedReply | undefined);

export interface ScriptedOptions {
  /**
   * A token realm of its own at `/token`: a `/v2/` without its token gets a bearer challenge naming it,
   * its tokens carry the scopes they were asked for (so `seen` shows each request's scopes), and neither
   * that challenge nor the tokens are routed or recorded. Without it, `/token` is routed like any path.
   */
  readonly tokenRealm?: boolean;
  /** https with the server certificate of pki.ts (IP 127.0.0.1), signed by its CA (`ca`). */
  readonly tls?: boolean;
}

export interface ScriptedRegistry {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  /** `http://127.0.0.1:PORT` (`https` with `tls`). */
  readonly origin: string;
  /** The PEM of the CA that signed the certificate (with `tls`). */
  readonly ca: string | undefined;
  /** A client of this registry (insecure, no retries), shared by the tests of a file; closed by `stop`. */
  readonly client: RegistryClient;
  /** Every routed request since the last `reset`, in the order their bodies were read. */
  readonly seen: SeenRequest[];
  /**
   * Replaces the route table and forgets what was seen. A key is `METHOD /path?query` exactly as sent,
   * or `METHOD /path`, which matches whatever the query. Unrouted, `GET /v2/` answers 200 `{}` and any
   * other request 418 with an error naming it, which no client expects.
   */
  reset(routes?: Record<string, ScriptedRoute>): void;
  stop(): Promise<void>;
}

/** A JSON reply with `status` and extra headers. */
export function json(status: number, body: unknown, headers: Record<string, string | string[]> = {}): ScriptedReply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

/** What `route` answers to `req` (undefined when it answered `res` itself). */
export function replyOf(route: ScriptedRoute, req: SeenRequest, res: ServerResponse): ScriptedReply | undefined {
  return typeof route === 'function' ? route(req, res) : route;
}

const TOKEN_PREFIX = 'scripted.';
const tokenFor = (scopes: string[]): string => TOKEN_PREFIX + Buffer.from(JSON.stringify(scopes)).toString('base64url');
const scopesOf = (authorization: string | undefined): string[] | undefined =>
  authorization?.startsWith(`Bearer ${TOKEN_PREFIX}`)
    ? (JSON.parse(Buffer.from(authorization.slice(7 + TOKEN_PREFIX.length), 'base64url').toString()) as string[])
    : undefined;

/** A registry on 127.0.0.1 that answers from a route table a test replaces between cases (one per test file). */
export async function startScriptedRegistry(options: ScriptedOptions = {}): Promise<ScriptedRegistry> {
  let routes: Record<string, ScriptedRoute> = {};
  const seen: SeenRequest[] = [];
  let origin = '';
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const scopes = options.tokenRealm ? scopesOf(req.headers.authorization) : undefined;
    if (options.tokenRealm && url.startsWith('/token?')) {
      const token = tokenFor(new URL(url, origin).searchParams.getAll('scope'));
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
    }
    if (options.tokenRealm && url === '/v2/' && !scopes) {
      const challenge = `Bearer realm="${origin}/token",service="scripted"`;
      return void res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' }).end('{}');
    }
    const request: SeenRequest = { method, url, headers: req.headers, scopes, body: await readBody(req) };
    seen.push(request);
    const path = url.replace(/\?.*$/, '');
    const route = routes[`${method} ${url}`] ?? routes[`${method} ${path}`] ?? (`${method} ${path}` === 'GET /v2/' ? json(200, {}) : unscripted(method, url));
    const reply = replyOf(route, request, res);
    if (reply) res.writeHead(reply.status ?? 200, reply.headers ?? {}).end(reply.body ?? '');
  };
  const pki = options.tls ? await ensurePki() : undefined;
  const [key, cert, ca] = pki ? await Promise.all([readFile(pki.serverKey, 'utf8'), readFile(pki.serverCert, 'utf8'), readFile(pki.caCert, 'utf8')]) : [];
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => void handle(req, res).catch(() => res.destroy());
  const server = key && cert ? createTlsServer({ key, cert }, onRequest) : createServer(onRequest);
  const stop = stoppable(server);
  const host = await listen(server);
  origin = `${options.tls ? 'https' : 'http'}://${host}`;
  const client = new RegistryClient({ registry: host, insecure: true, retry: { retries: 0 } });
  return {
    host,
    origin,
    ca,
    client,
    seen,
    reset(next = {}) {
      routes = next;
      seen.length = 0;
    },
    async stop() {
      await client.close();
      await stop();
    },
  };
}

function unscripted(method: string, url: string): ScriptedReply {
  return json(418, { errors: [{ code: 'UNSCRIPTED', message: `${method} ${url}` }] });
}
