import { CodedError, hasCode, isAbort, systemCodeOf, type CodesOf, type Origin } from '../util/errors.js';

export type CopyErrorCode = CodesOf<'copy'> | 'QUOTA_EXHAUSTED' | 'DIGEST_MISMATCH' | 'MANIFEST_INVALID';

export type CopyOp = 'resolve' | 'fetch-manifest' | 'copy-blob' | 'push-manifest' | 'check-target' | 'backup';

/** A failed copy: what was being done (`op`), on which side (`origin`), for which reference/digest. */
export class CopyError extends CodedError<CopyErrorCode> {
  declare readonly op: CopyOp;
  declare readonly origin: Origin;

  constructor(
    code: CopyErrorCode,
    op: CopyOp,
    origin: Origin,
    readonly ref: string,
    message: string,
    readonly digest?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, { op, origin, cause: options?.cause });
    this.name = 'CopyError';
  }
}

function copyCodeOf(err: unknown): CopyErrorCode {
  if (hasCode(err, 'DIGEST_MISMATCH', 'MANIFEST_INVALID', 'QUOTA_EXHAUSTED')) return (err as CodedError<CopyErrorCode>).code;
  if (isAbort(err)) return 'ABORTED';
  if (hasCode(err, 'REGISTRY_UNAUTHORIZED')) return 'UNAUTHORIZED';
  if (hasCode(err, 'REGISTRY_NETWORK', 'REGISTRY_TIMEOUT')) return 'NETWORK';
  if (hasCode(err, 'REGISTRY_HTTP', 'REGISTRY_PROTOCOL')) return 'REGISTRY_ERROR';
  // a streamed body broken off by its transport (time-out, too slow, reset)
  if (hasCode(err, 'BODY_TIMEOUT', 'BODY_TOO_SLOW') || ['UND_ERR_BODY_TIMEOUT', 'UND_ERR_SOCKET', 'ECONNRESET'].includes(systemCodeOf(err) ?? ''))
    return 'NETWORK';
  return 'INTERNAL';
}

/** Wraps any failure into a CopyError that keeps the cause chain and says where it happened. */
export function toCopyError(err: unknown, op: CopyOp, origin: Origin, ref: string, digest?: string): CopyError {
  if (err instanceof CopyError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const what = op === 'copy-blob' ? `copying blob ${digest ?? ''}` : `${op.replace('-', ' ')} ${ref}`;
  return new CopyError(copyCodeOf(err), op, origin, ref, `${what} (${origin}): ${message}`, digest, { cause: err });
}
