import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { forward, listen, stoppable } from './http-server.js';

export type Fault = 'reset' | 'stall' | 'status500' | 'status502' | 'status503' | 'status429' | 'status429-retry-after' | 'truncate' | 'expire-token';

export interface FaultProxyOptions {
  /** http(s)://127.0.0.1:PORT of the registry behind the proxy; the proxy itself speaks plain http. */
  readonly target: string;
  /** PEM or CA file path content for an https target. */
  readonly ca?: string;
  readonly seed: number;
  /** Probability that a request gets a fault. */
  readonly rate: number;
  readonly faults: readonly Fault[];
  /** How long a stalled response hangs before the proxy gives up on it. @default 20 s */
  readonly stallMs?: number;
  /** Requests that always get this status (and a distribution error body), whatever the schedule. */
  readonly refuse?: { readonly method: string; readonly path: RegExp; readonly status: number };
}

export interface FaultProxy {
  readonly url: string;
  readonly host: string;
  readonly injected: Record<string, number>;
  readonly requests: Array<{ method: string; path: string; fault?: Fault }>;
  setRate(rate: number): void;
  stop(): Promise<void>;
}

/** Deterministic PRNG (mulberry32) so a failing schedule can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BODY_FAULTS: readonly Fault[] = ['reset', 'stall', 'truncate'];

/** Which faults make sense for a request: body faults only on blob GETs, token expiry only with a token. */
function applicable(req: IncomingMessage, faults: readonly Fault[]): Fault[] {
  const blobGet = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '');
  const authed = /^Bearer /i.test(req.headers.authorization ?? '');
  return faults.filter((f) => (BODY_FAULTS.includes(f) ? blobGet : f === 'expire-token' ? authed : true));
}

/**
 * HTTP proxy in front of a real registry that injects faults by a seeded schedule: connection resets
 * mid-body, stalls, 5xx, 429 with and without Retry-After, truncated bodies, early token expiry (401
 * with a fresh challenge for a valid token). Absolute `Location` headers are rewritten to the proxy.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const random = prng(options.seed);
  const target = new URL(options.target);
  const injected: Record<string, number> = {};
  const requests: FaultProxy['requests'] = [];
  let rate = options.rate;
  let self = '';

  const server = createServer((req, res) => {
    const refuse = options.refuse;
    if (refuse && req.method === refuse.method && refuse.path.test(req.url ?? '')) {
      requests.push({ method: req.method ?? '', path: req.url ?? '' });
      injected[`refused${refuse.status}`] = (injected[`refused${refuse.status}`] ?? 0) + 1;
      req.resume();
      req.on('end', () =>
        res.writeHead(refuse.status, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAVAILABLE","message":"refused by the test proxy"}]}'),
      );
      return;
    }
    const candidates = applicable(req, options.faults);
    const fault = candidates.length && random() < rate ? candidates[Math.floor(random() * candidates.length)] : undefined;
    requests.push({ method: req.method ?? '', path: req.url ?? '', ...(fault ? { fault } : {}) });
    if (fault) injected[fault] = (injected[fault] ?? 0) + 1;
    if (fault && respondWithStatus(fault, req, res)) return;
    // an "expired" token: the registry itself answers 401 with its challenge when the token is withheld
    if (fault === 'expire-token') delete req.headers.authorization;
    forward(req, res, { target, self, ...(options.ca ? { ca: options.ca } : {}) }, (up, headers) => {
      res.writeHead(up.statusCode ?? 502, headers);
      if (fault && BODY_FAULTS.includes(fault)) corruptBody(fault, up, res, options.stallMs ?? 20_000, random);
      else up.pipe(res);
    });
  });
  const stop = stoppable(server);

  const host = await listen(server);
  self = `http://${host}`;
  return {
    url: self,
    host,
    injected,
    requests,
    setRate: (r) => (rate = r),
    stop,
  };
}

function respondWithStatus(fault: Fault, req: IncomingMessage, res: ServerResponse): boolean {
  const drainThen = (fn: () => void): void => {
    req.resume();
    req.on('end', fn);
  };
  const json = { 'content-type': 'application/json' };
  switch (fault) {
    case 'status500':
    case 'status502':
    case 'status503': {
      const status = Number(fault.slice(6));
      drainThen(() => res.writeHead(status, json).end('{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}'));
      return true;
    }
    case 'status429':
      drainThen(() => res.writeHead(429, json).end('{"errors":[{"code":"TOOMANYREQUESTS","message":"injected"}]}'));
      return true;
    case 'status429-retry-after':
      drainThen(() => res.writeHead(429, { ...json, 'retry-after': '1' }).end('{"errors":[{"code":"TOOMANYREQUESTS","message":"injected"}]}'));
      return true;
    default:
      return false;
  }
}

/** Body faults on a blob GET: pass some bytes through, then reset, stall or cut the response short. */
function corruptBody(fault: Fault, up: IncomingMessage, res: ServerResponse, stallMs: number, random: () => number): void {
  const total = Number(up.headers['content-length'] ?? 0);
  const cutAt = Math.floor(total * (0.1 + 0.8 * random()));
  let sent = 0;
  up.on('data', (chunk: Buffer) => {
    if (sent >= cutAt) return;
    const room = cutAt - sent;
    res.write(chunk.length > room ? chunk.subarray(0, room) : chunk);
    sent += Math.min(room, chunk.length);
    if (sent < cutAt) return;
    up.destroy();
    if (fault === 'reset') res.socket?.destroy();
    else if (fault === 'truncate') res.socket?.end();
    else setTimeout(() => res.socket?.destroy(), stallMs).unref();
  });
  up.on('end', () => res.end());
}
