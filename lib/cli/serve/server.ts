import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { handleApiRequest, type ApiDeps, type ApiResponse } from '../../usecases/index.js';
import { messageOf } from '../../util/errors.js';
import { MAX_API_BODY_BYTES, MAX_DRAINED_BODY_BYTES } from '../../util/limits.js';
import type { Logger } from '../../util/logger.js';
import { redact } from '../../util/redact.js';
import type { ServeMetrics } from './metrics.js';

/** A request's headers, all of them, within this; its body within MAX_API_BODY_BYTES. */
const HEADERS_TIMEOUT_MS = 10_000;
/** The whole request, body included (planning a run happens inside it, so the answer may take longer). */
const REQUEST_BODY_TIMEOUT_MS = 30_000;

const answer = (res: ServerResponse, r: ApiResponse): void => {
  res.writeHead(r.status, { 'content-type': r.contentType, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
  res.end(r.body);
};
const problem = (status: number, code: string, message: string): ApiResponse => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify({ error: { code, message } }),
});

/**
 * The body as text, or undefined when it is larger than the cap. An oversized body is read to its end and
 * dropped (up to MAX_DRAINED_BODY_BYTES, within the same time limit) before the 413 is sent, so that a
 * client still sending receives the answer instead of a broken pipe; past that the socket is destroyed.
 */
function readBody(req: IncomingMessage, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = Number(req.headers['content-length'] ?? 0) > MAX_API_BODY_BYTES;
    const timer = setTimeout(() => req.destroy(new Error('request body too slow')), REQUEST_BODY_TIMEOUT_MS);
    const onAbort = (): void => void req.destroy(new Error('shutting down'));
    signal.addEventListener('abort', onAbort, { once: true });
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAINED_BODY_BYTES) return void req.destroy(new Error('request body far over the cap'));
      if (over) return;
      if (size > MAX_API_BODY_BYTES) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (done(), resolve(over ? undefined : Buffer.concat(chunks).toString('utf8'))));
    req.on('error', (err) => (done(), reject(err)));
  });
}

const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

/**
 * Without a key nothing is signed, so a web page the operator visits could call the API through the
 * browser: by rebinding its own name to 127.0.0.1 (refused: the Host header must be a loopback name), or
 * with a form post (refused: a POST must be application/json, which a page cannot send cross-site
 * without a CORS preflight that is never answered).
 */
function unsignedProblem(method: string, host: string | undefined, contentType: string | undefined): string | undefined {
  if (!host || !LOOPBACK_HOST.test(host)) return `without an API key, requests must address a loopback name (Host: ${host ?? 'none'})`;
  if (method === 'POST' && !/^application\/json\s*(;|$)/i.test(contentType ?? '')) return 'a POST must be Content-Type: application/json';
  return undefined;
}

export interface ServerDeps {
  readonly api: ApiDeps;
  readonly metrics: ServeMetrics;
  readonly logger: Logger;
  /** False once shutdown began: /healthz answers 503 so a load balancer stops sending. */
  healthy(): boolean;
  readonly signal: AbortSignal;
}

/**
 * The HTTP side of `serve`: `/healthz` and `/metrics` (unsigned: probes and scrapers cannot sign; they
 * carry counts, never names or secrets), everything else is the planner's API (handleApiRequest).
 */
export function createApiServer(deps: ServerDeps): Server {
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const method = (req.method ?? 'GET').toUpperCase();
    try {
      if (method === 'GET' && path === '/healthz')
        return answer(res, { status: deps.healthy() ? 200 : 503, contentType: 'application/json', body: JSON.stringify({ ok: deps.healthy() }) });
      if (method === 'GET' && path === '/metrics')
        return answer(res, { status: 200, contentType: deps.metrics.registry.contentType, body: await deps.metrics.text() });
      const browser = deps.api.apiKey ? undefined : unsignedProblem(method, req.headers.host, req.headers['content-type']);
      if (browser) return answer(res, problem(403, 'POLICY_REFUSED', browser));
      const body = await readBody(req, deps.signal);
      if (body === undefined) {
        return answer(res, problem(413, 'BAD_REQUEST', `request body over ${MAX_API_BODY_BYTES} bytes`));
      }
      const headers = Object.fromEntries(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])));
      const response = await handleApiRequest(deps.api, { method, path, headers, body });
      deps.logger.debug(`${method} ${path} ${response.status}`);
      answer(res, response);
    } catch (err) {
      deps.logger.warn(`${method} ${path}: ${messageOf(err)}`);
      if (!res.headersSent) answer(res, problem(500, 'INTERNAL', redact(messageOf(err))));
      else res.destroy();
    }
  });
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = 0; // planning inside POST /runs has its own bounds; the body has REQUEST_BODY_TIMEOUT_MS
  server.keepAliveTimeout = 5_000;
  return server;
}
