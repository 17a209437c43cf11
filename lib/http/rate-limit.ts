import { sleep } from '../util/sleep.js';

/**
 * Token bucket: `qps` requests per second on average, bursts up to one second's worth. Shared by every
 * request to one registry, so `--qps` holds however many images and blobs are in flight.
 */
export class RateLimiter {
  private tokens: number;
  private last = Date.now();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly qps: number,
    private readonly burst = Math.max(1, Math.ceil(qps)),
  ) {
    this.tokens = this.burst;
  }

  take(signal?: AbortSignal): Promise<void> {
    if (!Number.isFinite(this.qps) || this.qps <= 0) return Promise.resolve();
    const next = this.queue.then(() => this.acquire(signal));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async acquire(signal?: AbortSignal): Promise<void> {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
    if (this.tokens < 1) {
      await sleep(Math.ceil(((1 - this.tokens) * 1000) / this.qps), signal);
      this.tokens = 1;
      this.last = Date.now();
    }
    this.tokens -= 1;
  }
}
