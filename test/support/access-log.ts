import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { forward, listen, stoppable } from './http-server.js';

export interface ProxyCounts {
  total: number;
  /** Keys like 'GET manifest', 'HEAD manifest', 'GET blob', 'HEAD blob', 'POST upload', 'PUT upload', 'GET ping'. */
  byMethodAndKind: Record<string, number>;
}

export interface ProxyEntry {
  method: string;
  path: string;
  kind: RequestKind;
}

export interface CountingProxy {
  url: string;
  host: string;
  counts(): ProxyCounts;
  /** Every request since the last reset, in arrival order. */
  entries(): ProxyEntry[];
  reset(): void;
  /**
   * Parks every request that `match`es (before it reaches the registry) until `release`; `arrived`
   * resolves when the first one is parked. Released holds let later matches through.
   */
  hold(match: (e: ProxyEntry) => boolean): { arrived: Promise<void>; release(): void };
  stop(): Promise<void>;
}

export type RequestKind = 'ping' | 'catalog' | 'tags' | 'manifest' | 'blob' | 'upload' | 'referrers' | 'other';

/** What a distribution API path addresses. */
export function requestKind(path: string): RequestKind {
  const p = path.split('?', 1)[0] ?? '';
  if (p === '/v2' || p === '/v2/') return 'ping';
  if (p === '/v2/_catalog') return 'catalog';
  if (/^\/v2\/.+\/tags\/list$/.test(p)) return 'tags';
  if (/^\/v2\/.+\/manifests\/[^/]+$/.test(p)) return 'manifest';
  if (/^\/v2\/.+\/blobs\/uploads(\/[^/]*)?$/.test(p)) return 'upload';
  if (/^\/v2\/.+\/blobs\/[^/]+$/.test(p)) return 'blob';
  if (/^\/v2\/.+\/referrers\/[^/]+$/.test(p)) return 'referrers';
  return 'other';
}

/** A reverse proxy on 127.0.0.1 in front of a plain-http registry that counts requests by method and kind. */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  if (upstream.protocol !== 'http:') throw new Error(`startCountingProxy: plain http targets only, got ${target}`);
  const agent = new Agent({ keepAlive: true });
  let log: ProxyEntry[] = [];
  let origin = '';
  const holds: Array<{ match: (e: ProxyEntry) => boolean; parked: Array<() => void>; released: boolean; arrive: () => void }> = [];

  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const entry: ProxyEntry = { method: req.method ?? 'GET', path, kind: requestKind(path) };
    log.push(entry);
    const held = holds.find((h) => !h.released && h.match(entry));
    if (!held) return pass(req, res);
    held.parked.push(() => pass(req, res));
    held.arrive();
  });
  const pass = (req: IncomingMessage, res: ServerResponse): void => forward(req, res, { target: upstream, self: origin, agent });
  const stopServer = stoppable(server);
  const host = await listen(server);
  origin = `http://${host}`;

  return {
    url: origin,
    host,
    counts: () => {
      const byMethodAndKind: Record<string, number> = {};
      for (const e of log) byMethodAndKind[`${e.method} ${e.kind}`] = (byMethodAndKind[`${e.method} ${e.kind}`] ?? 0) + 1;
      return { total: log.length, byMethodAndKind };
    },
    entries: () => [...log],
    reset: () => {
      log = [];
    },
    hold: (match) => {
      let arrive = (): void => {};
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      const h = { match, parked: [] as Array<() => void>, released: false, arrive };
      holds.push(h);
      return {
        arrived,
        release: () => {
          h.released = true;
          for (const go of h.parked.splice(0)) go();
        },
      };
    },
    stop: async () => {
      agent.destroy();
      await stopServer();
    },
  };
}
