import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegistryClient } from '../../lib/registry/index.js';
import { readBody, stoppable } from './http-server.js';

/** One request the scripted registry answered (the ping and token requests are not recorded). */
export interface ScriptedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The scopes of the bearer token the request carried; undefined without one. */
  readonly scopes: string[] | undefined;
  readonly body: Buffer;
}

export interface ScriptedReply {
  readonly status?: number;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Buffer;
}

/** A canned reply, or a function that returns one, or answers `res` itself and returns undefined. */
export type ScriptedRoute = ScriptedReply | ((req: ScriptedRequest, res: ServerResponse) => ScriptedReply | undefined);

export interface ScriptedRegistry {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  /** A client of this registry (anonymous bearer tokens, no retries), shared by the tests of a file. */
  readonly client: RegistryClient;
  /** Every routed request since the last `script`, in order. */
  readonly seen: ScriptedRequest[];
  /** Replaces the route table (keys: `METHOD /path?query`, exactly as sent) and forgets what was seen. */
  script(routes: Record<string, ScriptedRoute>): void;
  stop(): Promise<void>;
}

/**
 * A registry on 127.0.0.1 (plain http) that answers from a route table. `GET /v2/` asks for a bearer
 * token from its own `/token` realm, whose tokens carry the scopes they were asked for, so each
 * recorded request shows the scopes it was authorised with. An unrouted request gets a 418 naming it.
 */
export async function startScriptedRegistry(): Promise<ScriptedRegistry> {
  let routes: Record<string, ScriptedRoute> = {};
  const seen: ScriptedRequest[] = [];
  let host = '';
  const server = createServer((req, res) => {
    void (async () => {
      const url = req.url ?? '/';
      const auth = req.headers.authorization;
      if (url.startsWith('/token?')) {
        const scopes = new URL(url, 'http://x').searchParams.getAll('scope');
        const token = Buffer.from(JSON.stringify(scopes)).toString('base64url');
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
      }
      const scopes = auth?.startsWith('Bearer ') ? (JSON.parse(Buffer.from(auth.slice(7), 'base64url').toString()) as string[]) : undefined;
      if (url === '/v2/' && !scopes) {
        const challenge = `Bearer realm="http://${host}/token",service="scripted"`;
        return void res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' }).end('{}');
      }
      const body = await readBody(req);
      const request: ScriptedRequest = { method: req.method ?? 'GET', url, headers: req.headers, scopes, body };
      seen.push(request);
      const route = routes[`${request.method} ${url}`];
      if (!route) {
        const unscripted = JSON.stringify({ errors: [{ code: 'UNSCRIPTED', message: `${request.method} ${url}` }] });
        return void res.writeHead(418, { 'content-type': 'application/json' }).end(unscripted);
      }
      const reply = typeof route === 'function' ? route(request, res) : route;
      if (reply) res.writeHead(reply.status ?? 200, reply.headers ?? {}).end(reply.body ?? '');
    })().catch(() => res.destroy());
  });
  const stop = stoppable(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new RegistryClient({ registry: host, insecure: true, retry: { retries: 0 } });
  return {
    host,
    client,
    seen,
    script(next) {
      routes = next;
      seen.length = 0;
    },
    async stop() {
      await client.close();
      await stop();
    },
  };
}
