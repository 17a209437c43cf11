import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { CodedError, type CodesOf } from '../util/errors.js';

/**
 * HTTP/1.1 for registry requests on Node's own client: measured on the benchmark machine it spends
 * about a third of undici's CPU per request, and a run of many images is CPU-bound (blob bytes go by
 * BulkTransport). Keep-alive pools per origin, streamed response bodies, and three timeouts: connect,
 * silence before the response headers, silence inside a body.
 */
export interface TransportOptions {
  /** Connections per origin. */
  readonly connections: number;
  readonly connectMs: number;
  readonly headersMs: number;
  readonly bodyIdleMs: number;
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
  text(): Promise<string>;
  json(): Promise<unknown>;
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
      // one idle timer on the socket: before the response it guards the headers, after it the body
      out.setTimeout(this.options.headersMs);
      out.on('timeout', () => {
        if (response) response.destroy(new TransportError('BODY_TIMEOUT', `body silent for ${this.options.bodyIdleMs} ms`));
        else out.destroy(new TransportError('HEADERS_TIMEOUT', `no response within ${this.options.headersMs} ms`));
      });
      out.on('socket', (socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(() => out.destroy(new TransportError('CONNECT_TIMEOUT', `no connection within ${this.options.connectMs} ms`)), this.options.connectMs);
        socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      out.on('response', (res) => {
        response = res;
        out.setTimeout(this.options.bodyIdleMs);
        resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: withReaders(res) });
      });
      out.end(req.body);
    });
  }

  async close(): Promise<void> {
    this.plain.destroy();
    this.tls.destroy();
  }
}

function withReaders(res: IncomingMessage): ResponseBody {
  const readAll = async (): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  return Object.assign(res, {
    dump: async (): Promise<void> => {
      if (res.readableEnded || res.destroyed) return;
      await new Promise<void>((done) => {
        res.once('end', done).once('close', done).once('error', () => done());
        res.resume();
      });
    },
    text: async (): Promise<string> => (await readAll()).toString('utf8'),
    json: async (): Promise<unknown> => JSON.parse((await readAll()).toString('utf8')),
  });
}
