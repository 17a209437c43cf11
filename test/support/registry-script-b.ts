import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, stoppable } from './http-server.js';

/** One request as the scripted server saw it. */
export interface SeenRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Answers one request; `seen` is the request itself (its body read whole). */
export type ScriptedRoute = (res: ServerResponse, seen: SeenRequest) => void;

export interface ScriptedServer {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** Every request since the last `reset`, in order. */
  readonly seen: SeenRequest[];
  /** Replaces the route table (keys: `METHOD /path` without the query) and forgets what was seen. */
  reset(routes?: Record<string, ScriptedRoute>): void;
  stop(): Promise<void>;
}

/** Answers JSON (or nothing, for a HEAD) with `status` and extra headers. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): ScriptedRoute {
  return (res, seen) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(seen.method === 'HEAD' ? undefined : text);
  };
}

/**
 * A plain-http server on 127.0.0.1 that answers from a route table a test replaces between cases
 * (one server per test file). `GET /v2/` answers 200 unless a route names it; anything else unrouted
 * answers 599, which no client expects.
 */
export async function startScriptedServer(): Promise<ScriptedServer> {
  let routes: Record<string, ScriptedRoute> = {};
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const request: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(request);
      const key = `${request.method} ${request.url.replace(/\?.*$/, '')}`;
      const route = routes[key] ?? (key === 'GET /v2/' ? json(200, {}) : json(599, { unrouted: key }));
      route(res, request);
    });
  });
  const stop = stoppable(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    origin: `http://${host}`,
    seen,
    reset(next = {}) {
      routes = next;
      seen.length = 0;
    },
    stop,
  };
}
