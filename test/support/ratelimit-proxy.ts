import { createServer } from 'node:http';
import { forward, listen, stoppable } from './http-server.js';

export interface RateLimitProxyOptions {
  /** http://127.0.0.1:PORT of a plain-http registry. */
  readonly target: string;
  /** Pulls per window. */
  readonly limit: number;
  readonly windowSeconds: number;
  /** `docker`: `ratelimit-limit: 100;w=21600` style (rolling, no reset); `ietf`: `RateLimit: limit=…, remaining=…, reset=…`. */
  readonly style?: 'docker' | 'ietf';
  /** The window resets by itself every `windowSeconds` (a fixed window). @default false: only `resetWindow()` resets it */
  readonly fixedWindow?: boolean;
}

export interface RateLimitProxy {
  readonly url: string;
  readonly host: string;
  /** Manifest GETs answered (each spent one pull). */
  readonly pulls: () => number;
  /** 429s answered because the budget was spent. */
  readonly refused: () => number;
  readonly requests: Array<{ method: string; path: string; status: number }>;
  /** Starts a new window: the whole limit is back. */
  resetWindow(): void;
  stop(): Promise<void>;
}

const MANIFEST_GET = (method: string, path: string) => method === 'GET' && /^\/v2\/.+\/manifests\/[^/?]+/.test(path);

/**
 * Docker Hub's quota in front of a real registry: every manifest GET spends a pull (HEADs and blobs
 * are free), every response carries the budget in RateLimit headers, and a manifest GET beyond the
 * budget gets Docker Hub's 429 `TOOMANYREQUESTS` instead of the manifest. The window resets only when
 * the test says so (`resetWindow`), so a run cannot wait it out.
 */
export async function startRateLimitProxy(options: RateLimitProxyOptions): Promise<RateLimitProxy> {
  const target = new URL(options.target);
  const requests: RateLimitProxy['requests'] = [];
  let used = 0;
  let pulls = 0;
  let refused = 0;
  let windowStart = Date.now();
  const headers = (): Record<string, string> => {
    if (options.fixedWindow && Date.now() - windowStart >= options.windowSeconds * 1000) [used, windowStart] = [0, Date.now()];
    const remaining = String(Math.max(0, options.limit - used));
    if (options.style === 'ietf') {
      const reset = Math.max(0, Math.ceil(options.windowSeconds - (Date.now() - windowStart) / 1000));
      return { ratelimit: `limit=${options.limit}, remaining=${remaining}, reset=${reset}`, 'ratelimit-policy': `${options.limit};w=${options.windowSeconds}` };
    }
    return {
      'ratelimit-limit': `${options.limit};w=${options.windowSeconds}`,
      'ratelimit-remaining': `${remaining};w=${options.windowSeconds}`,
      'docker-ratelimit-source': '127.0.0.1',
    };
  };
  let self = '';
  const server = createServer((req, res) => {
    const method = req.method ?? '';
    const path = req.url ?? '';
    if (MANIFEST_GET(method, path)) {
      headers();
      if (used >= options.limit) {
        refused += 1;
        requests.push({ method, path, status: 429 });
        req.resume();
        res
          .writeHead(429, { 'content-type': 'application/json', ...headers() })
          .end('{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate limit."}]}');
        return;
      }
      used += 1;
      pulls += 1;
    }
    forward(req, res, { target, self }, (up, h) => {
      requests.push({ method, path, status: up.statusCode ?? 502 });
      res.writeHead(up.statusCode ?? 502, { ...h, ...headers() });
      up.pipe(res);
    });
  });
  const stop = stoppable(server);
  const host = await listen(server);
  self = `http://${host}`;
  return {
    url: self,
    host,
    pulls: () => pulls,
    refused: () => refused,
    requests,
    resetWindow: () => {
      used = 0;
      windowStart = Date.now();
    },
    stop,
  };
}
