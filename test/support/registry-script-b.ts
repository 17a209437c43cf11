import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBody, stoppable } from './http-server.js';
import { runCommand } from './run-command.js';

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
  /** `http://127.0.0.1:PORT` (`https` with TLS). */
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
 * A server on 127.0.0.1 (plain http, or https with `tls`) that answers from a route table a test
 * replaces between cases (one server per test file). `GET /v2/` answers 200 unless a route names it;
 * anything else unrouted answers 599, which no client expects.
 */
export async function startScriptedServer(tls?: { key: string; cert: string }): Promise<ScriptedServer> {
  let routes: Record<string, ScriptedRoute> = {};
  const seen: SeenRequest[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    void readBody(req).then((body) => {
      const request: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(request);
      const key = `${request.method} ${request.url.replace(/\?.*$/, '')}`;
      const route = routes[key] ?? (key === 'GET /v2/' ? json(200, {}) : json(599, { unrouted: key }));
      route(res, request);
    });
  };
  const server = tls ? createTlsServer(tls, handle) : createServer(handle);
  const stop = stoppable(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    origin: `${tls ? 'https' : 'http'}://${host}`,
    seen,
    reset(next = {}) {
      routes = next;
      seen.length = 0;
    },
    stop,
  };
}

/** A throw-away self-signed certificate for IP 127.0.0.1 (one openssl run; PEM text). */
export async function selfSignedCert(): Promise<{ key: string; cert: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'regb-tls-'));
  try {
    await runCommand('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    const [key, cert] = await Promise.all([readFile(join(dir, 'key.pem'), 'utf8'), readFile(join(dir, 'cert.pem'), 'utf8')]);
    return { key, cert };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
