import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { CodedError, type CodesOf } from '../util/errors.js';
import { BODY_RATE_WINDOW_MS, MAX_ERROR_BODY_BYTES, MAX_MANIFEST_BYTES, MIN_BODY_BYTES_PER_WINDOW } from '../util/limits.js';
import { readBounded, readBoundedJson } from './bounded-read.js';
import { guardBodyRate, type BodyRate } from './body-rate.js';

/**
 * HTTP/1.1 for registry requests on Node's own client: measured on the benchmark machine it spends
 * about a third of undici's CPU per request, and a run of many images is CPU-bound (blob bytes go by
 * BulkTransport). Keep-alive pools per origin, streamed response bodies, and these bounds: connect,
 * a total deadline from the socket to the response headers (trickled headers do not reset it), silence
 * inside a body, and a minimum body rate (`bodyRate`).
 */
export interface TransportOptions {
  /** Connections per origin. */
  readonly connections: number;
  readonly connectMs: number;
  /** From the socket to the end of the headers, in total. */
  readonly headersMs: number;
  readonly bodyIdleMs: number;
  /** @default MIN_BODY_BYTES_PER_WINDOW per BODY_RATE_WINDOW_MS */
  readonly bodyRate?: BodyRate;
  readonly keepAliveMs: number;
  /** PEM of the CAs to trust (replaces the default store, as Node's `ca` does). */
  readonly ca?: string;
  /** Skip TLS verification. */
  readonly insecure?: boolean;
}

export interface TransportRequest {
  readonly origin: string;
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  /** Sent with its length. A streamed body goes by BulkTransport. */
  readonly body?: Buffer;
  readonly signal?: AbortSignal;
}

/** A response body: a Readable plus the three readers the registry code needs. */
export type ResponseBody = Readable & {
  /** Reads and discards the rest; never throws (a connection lost now no longer matters). */
  dump(): Promise<void>;
  /** The whole body, refused past `cap` bytes (readBounded). @default MAX_MANIFEST_BYTES */
  text(cap?: number): Promise<string>;
  json(cap?: number): Promise<unknown>;
};

export interface TransportResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: ResponseBody;
}

/** Transport failure with a stable code (`isRetryableNetworkError` lists the retryable ones). */
export class TransportError extends CodedError<CodesOf<'transport'>> {
  constructor(code: CodesOf<'transport'>, message: string) {
    super(code, message, { retryable: true });
    this.name = 'TransportError';
  }
}

export class HttpTransport {
  private readonly plain: http.Agent;
  private readonly tls: https.Agent;

  constructor(private readonly options: TransportOptions) {
    const pool = { keepAlive: true, maxSockets: options.connections, timeout: options.keepAliveMs, scheduling: 'lifo' as const };
    this.plain = new http.Agent(pool);
    this.tls = new https.Agent({ ...pool, ...(options.ca ? { ca: options.ca } : {}), ...(options.insecure ? { rejectUnauthorized: false } : {}) });
  }

  request(req: TransportRequest): Promise<TransportResponse> {
    const url = new URL(req.path, req.origin);
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      let response: IncomingMessage | undefined;
      const out = (secure ? https : http).request(url, { method: req.method, headers: req.headers, agent: secure ? this.tls : this.plain, signal: req.signal });
      out.on('error', (err) => {
        if (!response) reject(err);
      });
      // the socket's idle timer guards the body only; the headers have a total deadline
      out.on('timeout', () => response?.destroy(new TransportError('BODY_TIMEOUT', `body silent for ${this.options.bodyIdleMs} ms`)));
      let deadline: NodeJS.Timeout | undefined;
      out.on('socket', (socket) => {
        deadline = setTimeout(
          () => out.destroy(new TransportError('HEADERS_TIMEOUT', `no complete response headers within ${this.options.headersMs} ms`)),
          this.options.headersMs,
        );
        out.once('close', () => clearTimeout(deadline));
        if (!socket.connecting) return;
        const timer = setTimeout(
          () => out.destroy(new TransportError('CONNECT_TIMEOUT', `no connection within ${this.options.connectMs} ms`)),
          this.options.connectMs,
        );
        socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      out.on('response', (res) => {
        response = res;
        clearTimeout(deadline);
        out.setTimeout(this.options.bodyIdleMs);
        guardBodyRate(res, bodyRateOf(this.options), tooSlow(bodyRateOf(this.options)));
        resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: withReaders(res, url.toString()) });
      });
      out.end(req.body);
    });
  }

  async close(): Promise<void> {
    this.plain.destroy();
    this.tls.destroy();
  }
}

const DEFAULT_BODY_RATE: BodyRate = { windowMs: BODY_RATE_WINDOW_MS, minBytes: MIN_BODY_BYTES_PER_WINDOW };

/** The error a body slower than `rate` fails with (both transports). */
export function tooSlow(rate: BodyRate): () => TransportError {
  return () => new TransportError('BODY_TOO_SLOW', `body slower than ${rate.minBytes} bytes per ${rate.windowMs} ms`);
}

export function bodyRateOf(options: TransportOptions): BodyRate {
  return options.bodyRate ?? DEFAULT_BODY_RATE;
}

function withReaders(res: IncomingMessage, url: string): ResponseBody {
  const source = { body: res, url, headers: res.headers };
  return Object.assign(res, {
    // the rest of a short body keeps the connection reusable; a longer one is cut off with it
    dump: async (): Promise<void> => {
      if (res.readableEnded || res.destroyed) return;
      let left = MAX_ERROR_BODY_BYTES;
      await new Promise<void>((done) => {
        res
          .once('end', done)
          .once('close', done)
          .once('error', () => done());
        res.on('data', (chunk: Buffer) => {
          left -= chunk.length;
          if (left < 0) res.destroy();
        });
      });
    },
    text: async (cap = MAX_MANIFEST_BYTES): Promise<string> => (await readBounded(source, cap, 'response body')).toString('utf8'),
    json: (cap = MAX_MANIFEST_BYTES): Promise<unknown> => readBoundedJson(source, cap, 'response body'),
  });
}
