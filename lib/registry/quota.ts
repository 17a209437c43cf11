import { sleep } from '../util/sleep.js';
import { CodedError } from '../util/errors.js';

/**
 * What a registry says about its request budget. Docker Hub sends `ratelimit-limit: 100;w=21600` and
 * `ratelimit-remaining: 76;w=21600` (no reset: its window is rolling); the IETF drafts send
 * `RateLimit: limit=100, remaining=76, reset=30` (draft 01–02), `RateLimit-Limit/-Remaining/-Reset`
 * with `RateLimit-Policy: 100;w=3600` (03–07), or `RateLimit-Policy: "p";q=100;w=3600` with
 * `RateLimit: "p";r=76;t=30` (08 and later).
 */
export interface RateLimitInfo {
  readonly remaining: number;
  readonly limit?: number;
  readonly windowSeconds?: number;
  /** Seconds until the window resets (fixed windows only). */
  readonly resetSeconds?: number;
}

type Headers = Record<string, string | string[] | undefined>;
interface Item {
  readonly value: string;
  readonly params: Record<string, string>;
}

const num = (v: string | undefined): number | undefined => (v !== undefined && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v.trim()) : undefined);
const unquote = (v: string): string => v.trim().replace(/^"(.*)"$/, '$1');

/** A structured-field list, loosely: `a;k=v;k2=v2, "b";k=v` (no commas inside values). */
function items(value: string): Item[] {
  return value.split(',').map((part) => {
    const [head = '', ...rest] = part.split(';');
    const params = Object.fromEntries(rest.map((p) => p.split('=').map((s) => unquote(s))).filter((kv) => kv.length === 2) as Array<[string, string]>);
    return { value: unquote(head), params };
  });
}

function one(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The tightest budget the headers describe, or undefined when they describe none. */
export function parseRateLimit(headers: Headers): RateLimitInfo | undefined {
  const combined = one(headers, 'ratelimit');
  const policy = one(headers, 'ratelimit-policy');
  const candidates: RateLimitInfo[] = [];
  if (combined) {
    const list = items(combined);
    if (list.every((i) => i.value.includes('='))) {
      // draft 01–02: one dictionary `limit=100, remaining=76, reset=30`
      const dict = Object.fromEntries(list.map((i) => i.value.split('=').map((s) => s.trim()) as [string, string]));
      const remaining = num(dict.remaining);
      if (remaining !== undefined) candidates.push(info(remaining, num(dict.limit), num(policyWindow(policy)), num(dict.reset)));
    } else {
      // draft 08+: `"name";r=76;t=30` per policy, the policy's quota in RateLimit-Policy
      const policies = new Map((policy ? items(policy) : []).map((p) => [p.value, p.params]));
      for (const i of list) {
        const remaining = num(i.params.r);
        const p = policies.get(i.value) ?? {};
        if (remaining !== undefined) candidates.push(info(remaining, num(p.q), num(p.w), num(i.params.t)));
      }
    }
  }
  const remainingHeader = one(headers, 'ratelimit-remaining');
  if (remainingHeader) {
    const [r] = items(remainingHeader);
    const [l] = items(one(headers, 'ratelimit-limit') ?? '');
    const remaining = num(r?.value);
    const limit = num(l?.value) ?? num(policy ? items(policy)[0]?.value : undefined);
    const window = num(r?.params.w) ?? num(l?.params.w) ?? num(policyWindow(policy));
    if (remaining !== undefined) candidates.push(info(remaining, limit, window, num(one(headers, 'ratelimit-reset'))));
  }
  return candidates.sort((a, b) => a.remaining - b.remaining)[0];
}

function policyWindow(policy: string | undefined): string | undefined {
  return policy ? items(policy)[0]?.params.w : undefined;
}

function info(remaining: number, limit?: number, windowSeconds?: number, resetSeconds?: number): RateLimitInfo {
  return {
    remaining,
    ...(limit !== undefined ? { limit } : {}),
    ...(windowSeconds !== undefined ? { windowSeconds } : {}),
    ...(resetSeconds !== undefined ? { resetSeconds } : {}),
  };
}

/** Docker Hub's definition of a pull: a GET of a manifest (HEADs and blobs are free). */
export function isPull(method: string, path: string): boolean {
  return method === 'GET' && /\/v2\/.+\/manifests\/[^/]+$/.test(path.split('?')[0] ?? '');
}

/** A budget shared with other processes (serverless workers): `take` resolves once one pull is granted. */
export interface PullGate {
  take(signal?: AbortSignal): Promise<void>;
}

export interface QuotaOptions {
  /**
   * Pulls left for others (people, CI) on the same account: a count, or a share of the limit like `5%`
   * (rounded up). @default '5%'
   */
  readonly reserve?: number | string;
  /** Longest a pull waits for the window to allow it; beyond that it fails with QUOTA_EXHAUSTED. @default 300 s (one pull's worth of Docker Hub's 100 per 6 h) */
  readonly maxWaitMs?: number;
  /** Called once each time pacing starts (the library itself never logs). */
  readonly onPacing?: (event: PacingEvent) => void;
  /** A budget shared across processes, asked after the local check. */
  readonly gate?: PullGate;
  readonly now?: () => number;
}

export interface PacingEvent {
  readonly registry: string;
  readonly limit?: number;
  readonly remaining: number;
  readonly reserve: number;
  readonly windowSeconds?: number;
  readonly nextAt: number;
}

/** Resumable: a later run finds the images already copied and pulls only the rest. */
export class QuotaError extends CodedError<'QUOTA_EXHAUSTED'> {
  constructor(
    readonly registry: string,
    message: string,
    readonly resetAt?: number,
  ) {
    super('QUOTA_EXHAUSTED', message);
    this.name = 'QuotaError';
  }
}

export const DEFAULT_RESERVE = '5%';
export const DEFAULT_MAX_WAIT_MS = 300_000;

/** `12` or `5%` of `limit` (rounded up); a share of an unknown limit is 0. */
export function reserveOf(reserve: number | string, limit: number | undefined): number {
  if (typeof reserve === 'number') return reserve;
  const m = reserve.trim().match(/^(\d+(?:\.\d+)?)(%?)$/);
  if (!m) throw new TypeError(`pull reserve "${reserve}" is not a count or a percentage`);
  return m[2] ? (limit === undefined ? 0 : Math.ceil((Number(m[1]) * limit) / 100)) : Number(m[1]);
}

interface Known {
  remaining: number;
  limit?: number;
  windowMs?: number;
  resetAt?: number;
}

/**
 * The pull budget of one registry as this process sees it. Every response's `RateLimit` headers update
 * it; a manifest GET is let through while the remaining pulls (minus the pulls still in flight) stay
 * above the reserve. At the reserve, pulls are paced: one per `window / limit` on a rolling window
 * (Docker Hub), all after the reset on a fixed one. A pull that would wait longer than `maxWaitMs`
 * fails at once with QUOTA_EXHAUSTED, so a run ends instead of hanging, and never earns a 429.
 */
export class PullQuota {
  private known: Known | undefined;
  private inFlight = 0;
  /** Granted pulls whose response came back, ever: see `mark`. */
  private pullsDone = 0;
  private pacing = false;
  private settled: Array<() => void> = [];
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(
    readonly registry: string,
    private readonly options: QuotaOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    reserveOf(options.reserve ?? DEFAULT_RESERVE, 100);
  }

  /**
   * Resolves when one manifest GET may be sent; throws QuotaError when the wait would be too long.
   * `refresh` re-reads the budget without spending it (a HEAD of the same manifest: free on Docker Hub).
   */
  beforePull(signal?: AbortSignal, refresh?: () => Promise<void>): Promise<void> {
    const next = this.queue.then(() => this.grant(signal, refresh));
    this.queue = next.catch(() => undefined);
    return next.then(() => this.options.gate?.take(signal));
  }

  /**
   * Taken when any request is sent and handed back to `observe` with its response. Responses on other
   * connections arrive in any order: one sent before a pull came back may have been counted before or
   * after that pull, so it may lower the budget but not raise it above what is known.
   */
  mark(): number {
    return this.pullsDone;
  }

  /** After each response (`headers` undefined when none came); `pull` says whether it was a granted pull. */
  observe(headers: Headers | undefined, pull: boolean, mark = this.pullsDone): void {
    const stale = this.pullsDone > mark;
    const seen = headers ? parseRateLimit(headers) : undefined;
    if (seen) {
      const windowMs = seen.windowSeconds !== undefined ? seen.windowSeconds * 1000 : this.known?.windowMs;
      this.known = {
        remaining: stale && this.known ? Math.min(seen.remaining, this.known.remaining) : seen.remaining,
        ...(seen.limit !== undefined || this.known?.limit !== undefined ? { limit: seen.limit ?? this.known?.limit } : {}),
        ...(windowMs !== undefined ? { windowMs } : {}),
        ...(seen.resetSeconds !== undefined ? { resetAt: this.now() + seen.resetSeconds * 1000 } : {}),
      };
    }
    if (pull) {
      this.inFlight = Math.max(0, this.inFlight - 1);
      this.pullsDone += 1;
      const waiting = this.settled;
      this.settled = [];
      for (const wake of waiting) wake();
    }
  }

  private pullSettled(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal?.reason ?? new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.settled.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  /**
   * Above the reserve: go. At it: wait for the reset (fixed window) or one pull's share of the window
   * (rolling), re-read the budget with `refresh`, and go only once it is above the reserve again, so
   * the reserve is never spent. Without `refresh`, one pull per wait (pacing by the clock alone).
   */
  private async grant(signal?: AbortSignal, refresh?: () => Promise<void>): Promise<void> {
    const started = this.now();
    const maxWait = this.options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    for (let waited = false; ; waited = true) {
      const k = this.afterReset();
      const reserve = reserveOf(this.options.reserve ?? DEFAULT_RESERVE, k?.limit);
      if (!k || k.remaining - this.inFlight > reserve) return this.spend(waited);
      // at the reserve with pulls still out: an answer may or may not have counted them, theirs will
      if (this.inFlight > 0) {
        await this.pullSettled(signal);
        continue;
      }
      const nextAt = this.nextCheck(k);
      if (nextAt === undefined || nextAt - started > maxWait) throw this.exhausted(k, reserve, nextAt, maxWait);
      if (!this.pacing) {
        this.pacing = true;
        this.options.onPacing?.({
          registry: this.registry,
          ...(k.limit !== undefined ? { limit: k.limit } : {}),
          remaining: Math.max(0, k.remaining - this.inFlight),
          reserve,
          ...(k.windowMs ? { windowSeconds: k.windowMs / 1000 } : {}),
          nextAt,
        });
      }
      await sleep(Math.max(0, nextAt - this.now()), signal);
      if (!refresh) return this.spend(true);
      await refresh();
    }
  }

  /** A fixed window that has reset has its full limit back (the next response says exactly). */
  private afterReset(): Known | undefined {
    const k = this.known;
    if (k?.resetAt !== undefined && this.now() >= k.resetAt) this.known = { ...k, remaining: (k.limit ?? 0) + this.inFlight, resetAt: undefined };
    return this.known;
  }

  private spend(waited: boolean): void {
    this.inFlight += 1;
    if (!waited) this.pacing = false;
  }

  /** Fixed window: its reset. Rolling window: one pull's share of it after the last check. */
  private nextCheck(k: Known): number | undefined {
    if (k.resetAt !== undefined) return k.resetAt;
    return k.windowMs && k.limit ? this.now() + Math.ceil(k.windowMs / k.limit) : undefined;
  }

  private exhausted(k: Known, reserve: number, nextAt: number | undefined, maxWait: number): QuotaError {
    const budget = `${Math.max(0, k.remaining - this.inFlight)} of ${k.limit ?? '?'} pulls left${k.windowMs ? ` per ${k.windowMs / 1000} s window` : ''}, ${reserve} kept in reserve`;
    const when =
      nextAt === undefined
        ? 'the registry did not say when the window resets'
        : `the next pull can be allowed at ${new Date(nextAt).toISOString()} at the earliest, later than the ${Math.round(maxWait / 1000)} s wait limit`;
    return new QuotaError(
      this.registry,
      `QUOTA_EXHAUSTED: pull quota of ${this.registry} is used up (${budget}); ${when}. Run again after that: images already copied are skipped.`,
      nextAt,
    );
  }
}
