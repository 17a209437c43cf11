import { TIMED_OUT_REQUEST_BUDGET_MS } from '../util/limits.js';

/** Retry policy: exponential backoff with full jitter, `Retry-After` honoured up to `maxDelayMs`. */
export interface RetryPolicy {
  /** Attempts after the first. @default 4 */
  readonly retries: number;
  /** @default 250 ms: one registry hiccup should cost less than a second. */
  readonly baseDelayMs: number;
  /** @default 30 s: the longest wait between attempts (a longer Retry-After is cut to it). */
  readonly maxDelayMs: number;
  /**
   * A request that timed out (no answer within a deadline) is not tried again once this long has gone
   * since its first attempt: a registry silent for that long is not answering. Other failures keep
   * their retries. @default TIMED_OUT_REQUEST_BUDGET_MS (lib/util/limits.ts)
   */
  readonly timedOutBudgetMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 250, maxDelayMs: 30_000, timedOutBudgetMs: TIMED_OUT_REQUEST_BUDGET_MS };

/** Seconds or an HTTP date; undefined when absent or unparsable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
