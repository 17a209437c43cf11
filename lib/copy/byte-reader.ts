import { Readable } from 'node:stream';

/**
 * Cuts one byte stream into consecutive exact-length pieces without buffering a whole piece:
 * `skip(n)` discards, `take(n)` returns a stream of the next n bytes, `rest()` consumes to the end
 * (so a verifying transform upstream reaches its end-of-stream check).
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private carry: Buffer | undefined;

  constructor(source: AsyncIterable<Buffer>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  private async next(): Promise<Buffer | undefined> {
    if (this.carry) {
      const c = this.carry;
      this.carry = undefined;
      return c;
    }
    const { value, done } = await this.iterator.next();
    return done ? undefined : value;
  }

  private async *pieces(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      const chunk = await this.next();
      if (!chunk) throw new Error(`stream ended ${left} bytes early`);
      if (chunk.length > left) {
        this.carry = chunk.subarray(left);
        yield chunk.subarray(0, left);
        return;
      }
      left -= chunk.length;
      yield chunk;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.pieces(n));
  }

  take(n: number): Readable {
    return Readable.from(this.pieces(n), { objectMode: false });
  }

  async rest(): Promise<number> {
    let extra = 0;
    for (let c = await this.next(); c; c = await this.next()) extra += c.length;
    return extra;
  }
}
