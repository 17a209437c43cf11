/** Retry policy: exponential backoff with full jitter, `Retry-After` honoured up to `maxDelayMs`. */
export interface RetryPolicy {
  /** Attempts after the first. @default 4 */
  readonly retries: number;
  /** @default 250 ms: one registry hiccup should cost less than a second. */
  readonly baseDelayMs: number;
  /** @default 30 s: a longer Retry-After fails the request instead of stalling a worker. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseDelayMs: 250, maxDelayMs: 30_000 };

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
