import type { Readable } from 'node:stream';
import { BulkTransport, HttpTransport, RateLimiter, type ResponseBody, type TransportOptions, type TransportResponse } from '../http/index.js';
import { codeOf, hasCode, systemCodeOf } from '../util/errors.js';
import { readBounded } from './bounded-read.js';
import { BODY_IDLE_MS, HEADERS_DEADLINE_MS, MAX_ERROR_BODY_BYTES } from '../util/limits.js';
import { sleep } from '../util/sleep.js';
import { Authenticator, type CredentialSource, type Scope } from './auth.js';
import { RegistryError, isRetryableNetworkError, isRetryableStatus, parseDiagnostics } from './errors.js';
import { PullQuota, isPull, type QuotaOptions } from './quota.js';
import { DEFAULT_RETRY, backoffDelay, parseRetryAfter, type RetryPolicy } from './retry.js';
import { parseWwwAuthenticate } from './www-authenticate.js';
import { apiHost } from './profiles.js';

export interface RegistryOptions {
  /** Normalised registry name (`docker.io`, `127.0.0.1:5000`, `tcr.example.com`). */
  readonly registry: string;
  readonly credentials?: CredentialSource;
  /** Plain http (or TLS without verification when the registry speaks https). @default false */
  readonly insecure?: boolean;
  /** PEM of extra CAs to trust for this registry and its token realm. */
  readonly ca?: string;
  /** Requests per second to this registry, all callers together. @default not limited (concurrency bounds it) */
  readonly qps?: number;
  readonly retry?: Partial<RetryPolicy>;
  /**
   * @default 30 s connect; HEADERS_DEADLINE_MS from the socket to the headers, in total; BODY_IDLE_MS of
   * silence inside a body, and a body slower than MIN_BODY_BYTES_PER_WINDOW per BODY_RATE_WINDOW_MS (lib/util/limits.ts).
   */
  readonly timeouts?: { connectMs?: number; headersMs?: number; bodyIdleMs?: number; bodyRate?: { windowMs: number; minBytes: number } };
  /** Connections per origin. @default 16 */
  readonly connections?: number;
  /**
   * Connections of the request pool opened beside the ping of a TLS registry, for a run's first wave of
   * requests (capped at `connections`; none when `qps` paces the registry, none for an insecure registry,
   * whose scheme the ping decides): each carries one unauthenticated `GET /v2/`, whose answer is ignored.
   * @default 0
   */
  readonly warm?: number;
  readonly userAgent?: string;
  /** Pull budget (RateLimit headers, reserve, wait limit, shared gate): see PullQuota. */
  readonly quota?: QuotaOptions;
  /** Called before each retry; the library itself never logs. */
  readonly onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  readonly registry: string;
  readonly method: string;
  readonly url: string;
  /** The attempt that failed (1 = the first try), of `attempts` in all. */
  readonly attempt: number;
  readonly attempts: number;
  readonly delayMs: number;
  readonly reason: string;
}

export interface RegistryRequest {
  readonly method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** `/v2/...` or an absolute URL (an upload Location). */
  readonly path: string;
  readonly scopes: readonly Scope[];
  readonly headers?: Record<string, string>;
  /** A Buffer is replayed on retry; a stream is sent once (the caller retries the whole transfer). */
  readonly body?: Buffer | Readable;
  /** Statuses handed back to the caller; any other fails with RegistryError. */
  readonly expect: readonly number[];
  readonly signal?: AbortSignal;
}

export interface RegistryResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: ResponseBody;
  readonly url: string;
}

const MAX_REDIRECTS = 5;
const DEFAULT_CONNECTIONS = 16;
const BLOB_PATH = /^\/v2\/.+\/blobs\/[a-z0-9]+:[a-f0-9]+(\?|$)/;

/** HTTP transport for one registry: pooled keep-alive connections, auth, retries, rate limit, redirects. */
export class RegistryClient {
  readonly registry: string;
  private readonly transport: HttpTransport;
  private readonly bulk: BulkTransport;
  private readonly auth: Authenticator;
  private readonly limiter: RateLimiter;
  private readonly quota: PullQuota;
  private readonly policy: RetryPolicy;
  private origin: string;
  private pinged: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private fastest: number | undefined;

  constructor(private readonly options: RegistryOptions) {
    this.registry = options.registry;
    const t = options.timeouts ?? {};
    const transport: TransportOptions = {
      connections: options.connections ?? DEFAULT_CONNECTIONS,
      connectMs: t.connectMs ?? 30_000,
      headersMs: t.headersMs ?? HEADERS_DEADLINE_MS,
      bodyIdleMs: t.bodyIdleMs ?? BODY_IDLE_MS,
      ...(t.bodyRate ? { bodyRate: t.bodyRate } : {}),
      keepAliveMs: 10_000,
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.insecure ? { insecure: true } : {}),
    };
    this.transport = new HttpTransport(transport);
    this.bulk = new BulkTransport(transport);
    this.auth = new Authenticator(options.credentials ?? {}, this.transport, options.insecure === true);
    this.limiter = new RateLimiter(options.qps ?? 0);
    this.quota = new PullQuota(options.registry, options.quota);
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    this.origin = `https://${apiHost(options.registry)}`;
  }

  get baseUrl(): string {
    return this.origin;
  }

  /**
   * `GET /v2/` once: learns the auth scheme (so later requests authenticate up front instead of
   * paying a 401 each) and, for insecure registries, falls back from https to http.
   */
  ping(signal?: AbortSignal): Promise<void> {
    // every request awaits this: only the first call (or the one after a failure) pings
    if (this.pinged) return this.pinged;
    this.pinged = this.doPing(signal).catch((err: unknown) => {
      this.pinged = undefined;
      throw err;
    });
    return this.pinged;
  }

  /**
   * The registry's fastest answer so far (ms, from a request sent to its response headers; the ping with
   * its connection): an upper bound of the round trip that tightens as answers come back, since a busy
   * event loop (a start-up, a plan of thousands of rules) only ever adds to one. Undefined before any.
   * An insecure registry's https attempt that failed beside its plain-http answer does not count.
   */
  get roundTripMs(): number | undefined {
    return this.fastest;
  }

  private answered(ms: number): void {
    this.fastest = Math.min(this.fastest ?? ms, ms);
  }

  private async doPing(signal?: AbortSignal): Promise<void> {
    /** The challenge of a 401 (learnt only from the origin chosen); any other failure rejects. */
    type Answer = { challenge?: string | string[]; took: number };
    const tryOrigin = async (origin: string): Promise<Answer> => {
      const started = performance.now();
      const res = await this.send(origin, '/v2/', 'GET', {}, undefined, signal);
      await res.body.dump();
      const took = performance.now() - started;
      if (res.statusCode === 401) return { challenge: res.headers['www-authenticate'], took };
      if (res.statusCode >= 400) throw this.httpError('GET', `${origin}/v2/`, res.statusCode, '');
      return { took };
    };
    const use = (origin: string, answer: Answer): void => {
      this.origin = origin;
      this.answered(answer.took);
      if (answer.challenge !== undefined) this.auth.learn(pickChallenge(answer.challenge));
    };
    if (this.options.insecure && this.origin.startsWith('https:')) {
      // both schemes at once: a plain-http registry answers while https fails its handshake (two round
      // trips saved); https wins whenever it answers, and the ping carries no credentials either way
      const plain = `http://${apiHost(this.registry)}`;
      let probe: Promise<Answer> | undefined = tryOrigin(plain);
      probe.catch(() => undefined);
      try {
        return use(this.origin, await tryOrigin(this.origin));
      } catch (err) {
        if (err instanceof RegistryError && err.status !== undefined) throw err;
      }
      this.origin = plain;
      // the probe already sent is the first attempt
      const attempt = () => {
        const next = probe ?? tryOrigin(plain);
        probe = undefined;
        return next;
      };
      return use(plain, await this.withRetry('GET', true, attempt, signal));
    }
    // the scheme is known before the ping only when the registry is not insecure
    if (!this.options.insecure) this.warmUp(this.origin);
    use(this.origin, await this.withRetry('GET', true, () => tryOrigin(this.origin), signal));
  }

  /**
   * Opens `warm` connections of the request pool to `origin` beside the ping (the ping's own included),
   * each with an unauthenticated `GET /v2/` whose answer is dropped, for the run's first wave of HEADs;
   * failures are left to the requests that follow. Not the blob pool's: that would load its HTTP client on
   * runs that copy nothing.
   */
  private warmUp(origin: string): void {
    if (this.options.qps) return;
    const count = Math.min(this.options.warm ?? 0, this.options.connections ?? DEFAULT_CONNECTIONS);
    const headers = { 'user-agent': this.options.userAgent ?? 'image-transfer' };
    for (let i = 1; i < count; i++)
      this.transport.request({ origin, path: '/v2/', method: 'GET', headers }).then(
        (r) => r.body.dump(),
        () => undefined,
      );
  }

  /**
   * The first-request check of a run: the ping, then, when the client has credentials, one
   * authenticated `GET /v2/` (for a token registry, a token without scope). Rejects with the ping's
   * failure or a 401 (credentials refused); any other answer to the authenticated GET passes, since
   * registries differ on what an unscoped token may read.
   */
  async checkAccess(signal?: AbortSignal): Promise<void> {
    await this.ping(signal);
    if (!this.options.credentials) return;
    try {
      const res = await this.request({ method: 'GET', path: '/v2/', scopes: [], expect: [200], signal });
      await res.body.dump();
    } catch (err) {
      if (!(err instanceof RegistryError) || err.status === undefined || err.status === 401) throw err;
    }
  }

  async request(req: RegistryRequest): Promise<RegistryResponse> {
    await this.ping(req.signal);
    const replayable = !(req.body && typeof (req.body as Readable).pipe === 'function');
    const url = req.path.startsWith('http') ? req.path : `${this.origin}${req.path}`;
    let reauthenticated = false;
    return this.withRetry(
      req.method,
      replayable,
      async () => {
        for (;;) {
          const res = await this.sendFollowing(url, req);
          if (res.status === 401 && new URL(res.url).origin !== this.origin) {
            // a redirect or an upload Location led elsewhere: that host's challenge names nobody we trust
            await res.body.dump();
            throw this.httpError(
              req.method,
              res.url,
              401,
              '',
              undefined,
              `401 from ${new URL(res.url).host}, not the registry ${this.registry}: its challenge is ignored and no credential is sent there`,
            );
          }
          if (res.status === 401 && !reauthenticated && replayable) {
            await res.body.dump();
            reauthenticated = true;
            this.auth.learn(pickChallenge(res.headers['www-authenticate']));
            this.auth.invalidate(req.scopes);
            continue;
          }
          if (res.status === 401 && !replayable) {
            // a streamed body cannot be replayed here: forget the token and let the caller redo the transfer
            this.auth.learn(pickChallenge(res.headers['www-authenticate']));
            this.auth.invalidate(req.scopes);
            await res.body.dump();
            throw Object.assign(this.httpError(req.method, res.url, 401, '', undefined, undefined, res.headers['www-authenticate']), { retryable: true });
          }
          if (req.expect.includes(res.status)) return res;
          const text = req.method === 'HEAD' ? '' : (await readBounded(res, MAX_ERROR_BODY_BYTES, 'error body', 'truncate')).toString('utf8');
          if (req.method === 'HEAD') await res.body.dump();
          throw this.httpError(req.method, res.url, res.status, text, res.headers['retry-after'], undefined, res.headers['www-authenticate']);
        }
      },
      req.signal,
    );
  }

  private async sendFollowing(url: string, req: RegistryRequest): Promise<RegistryResponse> {
    let current = new URL(url);
    for (let hop = 0; ; hop++) {
      const sameOrigin = current.origin === this.origin;
      const pull = hop === 0 && sameOrigin && isPull(req.method, current.pathname);
      // before the token is fetched: a paced pull may wait longer than a token lives
      if (pull) await this.quota.beforePull(req.signal, () => this.refreshQuota(current.toString(), req));
      const mark = this.quota.mark();
      let res: TransportResponse;
      try {
        const headers: Record<string, string> = { 'user-agent': this.options.userAgent ?? 'image-transfer', ...req.headers };
        if (sameOrigin) {
          const authorization = await this.auth.header(req.scopes, req.signal);
          if (authorization) headers.authorization = authorization;
        }
        await this.limiter.take(req.signal);
        const sent = performance.now();
        res = await this.send(current.origin, current.pathname + current.search, req.method, headers, req.body, req.signal);
        // the registry's own answers only: blob storage behind a redirect may be a CDN next door
        if (sameOrigin) this.answered(performance.now() - sent);
      } catch (err) {
        // a granted pull that never got an answer (token, abort, network) is no longer in flight
        if (pull) this.quota.observe(undefined, true, mark);
        throw err;
      }
      if (sameOrigin) this.quota.observe(res.headers, pull, mark);
      const location = header(res.headers, 'location');
      const redirect = [301, 302, 303, 307, 308].includes(res.statusCode) && (req.method === 'GET' || req.method === 'HEAD');
      if (!redirect || !location || hop >= MAX_REDIRECTS) {
        return { status: res.statusCode, headers: res.headers, body: res.body, url: current.toString() };
      }
      await res.body.dump();
      current = new URL(location, current);
    }
  }

  /** A HEAD of the manifest a held pull wants: re-reads the RateLimit headers without spending a pull. */
  private async refreshQuota(url: string, req: RegistryRequest): Promise<void> {
    const res = await this.request({ method: 'HEAD', path: url, scopes: req.scopes, headers: req.headers ?? {}, expect: [200, 404], signal: req.signal });
    await res.body.dump();
  }

  private async send(
    origin: string,
    path: string,
    method: string,
    headers: Record<string, string>,
    body: Buffer | Readable | undefined,
    signal: AbortSignal | undefined,
  ): Promise<TransportResponse> {
    try {
      // blob bytes (a streamed upload, a blob download) go by the transport cheaper per byte
      if ((body && !Buffer.isBuffer(body)) || (method === 'GET' && BLOB_PATH.test(path)))
        return await this.bulk.request({ origin, path, method, headers, body, signal });
      return await this.transport.request({ origin, path, method, headers, body, signal });
    } catch (cause) {
      if (signal?.aborted) throw signal.reason ?? cause;
      const code = codeOf(cause) ?? systemCodeOf(cause) ?? '';
      throw new RegistryError({
        code: /TIMEOUT/.test(code) ? 'REGISTRY_TIMEOUT' : 'REGISTRY_NETWORK',
        method,
        url: `${origin}${path}`,
        detail: `${code ? `${code}: ` : ''}${(cause as Error).message}`,
        retryable: isRetryableNetworkError(cause),
        cause,
      });
    }
  }

  private async withRetry<T>(method: string, replayable: boolean, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof RegistryError) || !err.retryable || !replayable || attempt >= this.policy.retries || signal?.aborted) throw err;
        if (hasCode(err, 'REGISTRY_TIMEOUT') && Date.now() - started >= this.policy.timedOutBudgetMs) throw err;
        const delayMs = backoffDelay(this.policy, attempt, (err as RegistryError & { retryAfterMs?: number }).retryAfterMs);
        this.options.onRetry?.({
          registry: this.registry,
          method,
          url: err.url,
          attempt: attempt + 1,
          attempts: this.policy.retries + 1,
          delayMs,
          reason: err.message,
        });
        await sleep(delayMs, signal);
      }
    }
  }

  private httpError(
    method: string,
    url: string,
    status: number,
    body: string,
    retryAfter?: string | string[],
    detail?: string,
    challenge?: string | string[],
  ): RegistryError {
    const challengeError = status === 401 ? pickChallenge(challenge)?.params.error : undefined;
    const err = new RegistryError({
      code: status === 401 || status === 403 ? 'REGISTRY_UNAUTHORIZED' : 'REGISTRY_HTTP',
      method,
      url,
      status,
      diagnostics: parseDiagnostics(body, status >= 500),
      ...(detail ? { detail } : {}),
      ...(challengeError ? { challengeError } : {}),
    });
    const ms = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
    return Object.assign(err, { retryAfterMs: isRetryableStatus(status) ? ms : undefined });
  }

  /** Closes both connection pools; closing again returns the same promise. */
  close(): Promise<void> {
    this.closing ??= Promise.all([this.transport.close(), this.bulk.close()]).then(() => undefined);
    return this.closing;
  }
}

function pickChallenge(value: string | string[] | undefined): ReturnType<typeof parseWwwAuthenticate>[number] | undefined {
  const challenges = parseWwwAuthenticate(Array.isArray(value) ? value.join(', ') : value);
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}

export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
