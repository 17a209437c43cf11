import { RateLimiter } from '../http/index.js';
import { sleep } from '../util/sleep.js';
import { asSdkFailure, TencentApiError, type SdkFailure } from './errors.js';

export interface ThrottleOptions {
  /** Requests per second for each action. @default 15 (most TCR actions allow 20 per second) */
  readonly qps?: number;
  /** Per-action rates, e.g. `{ DescribeImagePersonal: 80 }` (that action allows 100 per second). */
  readonly actionQps?: Readonly<Record<string, number>>;
  /** Retries after the first attempt, for throttling, internal and network errors only. @default 5 */
  readonly retries?: number;
  /** Backoff before retry n is in [d/2, d] with d = min(baseDelayMs * 2^(n-1), maxDelayMs). @default 500 */
  readonly baseDelayMs?: number;
  /** @default 8000 */
  readonly maxDelayMs?: number;
  readonly onRetry?: (event: RetryNotice) => void;
}

export interface RetryNotice {
  readonly action: string;
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
}

export const DEFAULT_TENCENT_QPS = 15;

/** Codes worth another attempt: throttling and transient server faults (not conflicts or bad input). */
const TRANSIENT_CODES = new Set(['InternalError', 'InternalError.DbError', 'InternalError.Unknown', 'InternalError.ErrorTcrInternal', 'ResourceUnavailable']);

/** What the SDK's fetch says when no answer came (it keeps only the message of the network error). */
const NETWORK_FAILURE = /request to \S+ failed|network timeout|timeout while trying to fetch|socket hang up|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN/i;

export function isRetryable(failure: SdkFailure): boolean {
  const code = failure.code;
  if (code) return code.startsWith('RequestLimitExceeded') || TRANSIENT_CODES.has(code);
  if (failure.httpCode !== undefined) return failure.httpCode >= 500 || failure.httpCode === 429;
  return NETWORK_FAILURE.test(failure.message);
}

/**
 * Rate limit and retry for Tencent Cloud API calls. One token bucket per action (Tencent limits each
 * action separately), paced without bursts so no one-second window exceeds `qps + 1` calls. Share one
 * instance between every client of an account. Failures that stay are thrown as TencentApiError.
 */
export class ApiThrottle {
  private readonly limiters = new Map<string, RateLimiter>();

  constructor(private readonly options: ThrottleOptions = {}) {}

  async run<T>(action: string, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const retries = Math.max(0, this.options.retries ?? 5);
    for (let attempt = 1; ; attempt++) {
      await this.limiter(action).take(signal);
      try {
        return await call();
      } catch (err) {
        if (err instanceof TencentApiError) throw err;
        const failure = asSdkFailure(err);
        if (attempt > retries || !isRetryable(failure) || signal?.aborted) {
          throw new TencentApiError({ action, apiCode: failure.code, message: failure.message, requestId: failure.requestId, attempts: attempt, cause: err });
        }
        const delayMs = this.delay(attempt);
        this.options.onRetry?.({ action, attempt, delayMs, reason: failure.code ?? failure.message });
        await sleep(delayMs, signal);
      }
    }
  }

  private limiter(action: string): RateLimiter {
    let limiter = this.limiters.get(action);
    if (!limiter) {
      const qps = this.options.actionQps?.[action] ?? this.options.qps ?? DEFAULT_TENCENT_QPS;
      limiter = new RateLimiter(qps, 1);
      this.limiters.set(action, limiter);
    }
    return limiter;
  }

  private delay(attempt: number): number {
    const full = Math.min((this.options.baseDelayMs ?? 500) * 2 ** (attempt - 1), this.options.maxDelayMs ?? 8000);
    return Math.round(full / 2 + Math.random() * (full / 2));
  }
}

/**
 * The same client with every API method (`DescribeX(req)`, capitalised names) going through the
 * throttle. Works for any SDK service client.
 */
export function throttleClient<T extends object>(client: T, throttle: ApiThrottle, signal?: AbortSignal): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string' || !/^[A-Z]/.test(prop)) return value;
      const method = value as (req: unknown) => Promise<unknown>;
      return (req: unknown) => throttle.run(prop, () => method.call(target, req), signal);
    },
  });
}
