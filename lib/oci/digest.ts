import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { CodedError } from '../util/errors.js';

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const ANY_DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

export type Digest = `${string}:${string}`;

export function isDigest(value: string): value is Digest {
  return ANY_DIGEST_RE.test(value);
}

export function isSha256Digest(value: string): value is Digest {
  return DIGEST_RE.test(value);
}

export function sha256Digest(bytes: Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export class DigestMismatchError extends CodedError<'DIGEST_MISMATCH'> {
  constructor(
    readonly expected: { digest: string; size?: number },
    readonly actual: { digest: string; size: number },
  ) {
    super(
      'DIGEST_MISMATCH',
      `content does not match its descriptor: expected ${expected.digest}` +
        `${expected.size === undefined ? '' : ` (${expected.size} bytes)`}, got ${actual.digest} (${actual.size} bytes)`,
    );
    this.name = 'DigestMismatchError';
  }
}

/**
 * Pass-through stream that hashes what flows through it and fails *before* signalling end-of-stream
 * when the digest or size differ, so a consumer streaming it into an upload never commits bad bytes.
 * `startOffset` with a restored hash lets a resumed transfer continue verification.
 */
export class DigestVerifier extends Transform {
  private readonly hash: Hash;
  private bytes: number;

  constructor(
    private readonly expected: { digest: string; size?: number },
    resume?: { hash: Hash; offset: number },
    private readonly onBytes?: (bytes: number) => void,
  ) {
    super({ highWaterMark: 64 * 1024 });
    if (!isSha256Digest(expected.digest)) throw new Error(`unsupported digest algorithm: ${expected.digest}`);
    this.hash = resume?.hash ?? createHash('sha256');
    this.bytes = resume?.offset ?? 0;
  }

  get bytesSeen(): number {
    return this.bytes;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.expected.size !== undefined && this.bytes > this.expected.size) {
      done(new DigestMismatchError(this.expected, { digest: 'unknown (too long)', size: this.bytes }));
      return;
    }
    this.hash.update(chunk);
    this.onBytes?.(chunk.length);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const actual = `sha256:${this.hash.digest('hex')}`;
    const sizeOk = this.expected.size === undefined || this.expected.size === this.bytes;
    if (actual !== this.expected.digest || !sizeOk) {
      done(new DigestMismatchError(this.expected, { digest: actual, size: this.bytes }));
      return;
    }
    done();
  }
}
