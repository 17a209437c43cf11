import { DigestMismatchError, ManifestError } from '../oci/index.js';

export type CopyErrorCode =
  | 'SOURCE_NOT_FOUND'
  | 'PLATFORM_NOT_FOUND'
  | 'QUOTA_EXHAUSTED'
  | 'DIGEST_MISMATCH'
  | 'MANIFEST_INVALID'
  | 'UNAUTHORIZED'
  | 'NETWORK'
  | 'REGISTRY_ERROR'
  | 'ABORTED'
  | 'SUSPENDED'
  | 'INTERNAL';

export type CopyOp = 'resolve' | 'fetch-manifest' | 'copy-blob' | 'push-manifest' | 'check-target' | 'backup';

/** A failed copy: what was being done (`op`), on which side (`origin`), for which reference/digest. */
export class CopyError extends Error {
  constructor(
    readonly code: CopyErrorCode,
    readonly op: CopyOp,
    readonly origin: 'source' | 'destination',
    readonly ref: string,
    message: string,
    readonly digest?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CopyError';
  }
}

function codeOf(err: unknown): CopyErrorCode {
  if (err instanceof DigestMismatchError) return 'DIGEST_MISMATCH';
  if (err instanceof ManifestError) return 'MANIFEST_INVALID';
  const e = err as { code?: string; status?: number; name?: string };
  if (e?.name === 'AbortError' || e?.code === 'ABORT_ERR') return 'ABORTED';
  if (e?.code === 'QUOTA_EXHAUSTED') return 'QUOTA_EXHAUSTED';
  if (e?.code === 'REGISTRY_UNAUTHORIZED') return 'UNAUTHORIZED';
  if (e?.code === 'REGISTRY_NETWORK' || e?.code === 'REGISTRY_TIMEOUT') return 'NETWORK';
  // a streamed body broken off by its transport (time-out, too slow, reset)
  if (/^(BODY_TIMEOUT|BODY_TOO_SLOW|UND_ERR_BODY_TIMEOUT|UND_ERR_SOCKET|ECONNRESET)$/.test(e?.code ?? '')) return 'NETWORK';
  if (e?.code?.startsWith('REGISTRY_')) return 'REGISTRY_ERROR';
  return 'INTERNAL';
}

/** Wraps any failure into a CopyError that keeps the cause chain and says where it happened. */
export function toCopyError(
  err: unknown,
  op: CopyOp,
  origin: 'source' | 'destination',
  ref: string,
  digest?: string,
): CopyError {
  if (err instanceof CopyError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const what = op === 'copy-blob' ? `copying blob ${digest ?? ''}` : `${op.replace('-', ' ')} ${ref}`;
  return new CopyError(codeOf(err), op, origin, ref, `${what} (${origin}): ${message}`, digest, { cause: err });
}
