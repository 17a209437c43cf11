import type { Readable } from 'node:stream';

/** A body must bring `minBytes` in every `windowMs` its reader spends waiting for it. */
export interface BodyRate {
  readonly windowMs: number;
  readonly minBytes: number;
}

/**
 * Fails `body` with `stalled()` when its sender is slower than `rate`: bytes are counted as the
 * transport pushes them, and time only while the reader waits (nothing buffered), so a slow reader
 * (a destination applying backpressure) never counts against the sender. Stops at the body's end.
 */
export function guardBodyRate(body: Readable, rate: BodyRate, stalled: () => Error): void {
  let bytes = 0;
  let waited = 0;
  const push = body.push.bind(body);
  body.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk) bytes += (chunk as { length: number }).length;
    return push(chunk, encoding);
  };
  const tick = Math.max(10, Math.min(1000, Math.floor(rate.windowMs / 10)));
  const timer = setInterval(() => {
    if (bytes >= rate.minBytes) {
      bytes = 0;
      waited = 0;
    } else if (body.readableLength === 0) {
      waited += tick;
      if (waited >= rate.windowMs) body.destroy(stalled());
    }
  }, tick);
  timer.unref();
  const stop = (): void => clearInterval(timer);
  body.once('end', stop).once('close', stop).once('error', stop);
}
