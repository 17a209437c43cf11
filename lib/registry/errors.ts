import { CodedError, systemCodeOf, type CodesOf } from '../util/errors.js';
import { redact, redactUrl } from '../util/redact.js';

/** One entry of a distribution error body: `{"errors":[{"code","message","detail"}]}`. */
export interface RegistryDiagnostic {
  readonly code: string;
  readonly message: string;
}

export type RegistryErrorCode = Exclude<CodesOf<'registry'>, 'QUOTA_EXHAUSTED'>;

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUS.has(status);
}

/** The single error type of lib/registry. The URL is redacted where the error is made. */
export class RegistryError extends CodedError<RegistryErrorCode> {
  readonly status: number | undefined;
  readonly method: string;
  readonly url: string;
  readonly diagnostics: readonly RegistryDiagnostic[];
  /** The `error` parameter of a 401's bearer challenge (`insufficient_scope`, `invalid_token`), when it named one. */
  readonly challengeError: string | undefined;
  /** The token realm (not the registry) refused the credentials. */
  readonly tokenRealm: boolean;

  constructor(init: {
    code: RegistryErrorCode;
    method: string;
    url: string;
    status?: number;
    diagnostics?: readonly RegistryDiagnostic[];
    retryable?: boolean;
    detail?: string;
    cause?: unknown;
    challengeError?: string;
    tokenRealm?: boolean;
  }) {
    const url = redactUrl(init.url);
    const diag = (init.diagnostics ?? []).map((d) => `${d.code}: ${d.message}`).join('; ');
    const what = init.status === undefined ? (init.detail ?? 'request failed') : `${init.status}${diag ? ` ${diag}` : ''}`;
    super(init.code, redact(`${init.method} ${url}: ${what}${init.detail && init.status !== undefined ? ` (${init.detail})` : ''}`), {
      cause: init.cause,
      op: init.method,
      retryable: init.retryable ?? (init.status !== undefined && isRetryableStatus(init.status)),
    });
    this.name = 'RegistryError';
    this.status = init.status;
    this.method = init.method;
    this.url = url;
    this.diagnostics = init.diagnostics ?? [];
    this.challengeError = init.challengeError;
    this.tokenRealm = init.tokenRealm ?? false;
  }

  /** True for 404 and for the registry codes that mean "no such thing". */
  get notFound(): boolean {
    return this.status === 404 || this.diagnostics.some((d) => /_UNKNOWN$/.test(d.code));
  }
}

const MAX_DETAIL_CHARS = 200;

/**
 * The entries of an error body. With `withDetail` (a 5xx: the registry's own failure, such as a full
 * disk) each message also carries the entry's `detail`, redacted and cut to 200 characters.
 */
export function parseDiagnostics(body: string, withDetail = false): RegistryDiagnostic[] {
  try {
    const json = JSON.parse(body) as { errors?: Array<{ code?: unknown; message?: unknown; detail?: unknown }> };
    return (json.errors ?? []).map((e) => {
      const detail =
        withDetail && e.detail !== undefined && e.detail !== null ? redact(typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail)) : '';
      const message = String(e.message ?? '');
      return { code: String(e.code ?? 'UNKNOWN'), message: detail ? `${message} (${detail.slice(0, MAX_DETAIL_CHARS)})` : message };
    });
  } catch {
    // redacted before it is cut: a secret cut in two would no longer be recognised, and leak its start
    const text = redact(body.trim()).slice(0, 200);
    return text ? [{ code: 'BODY', message: text }] : [];
  }
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'CONNECT_TIMEOUT',
  'HEADERS_TIMEOUT',
  'BODY_TIMEOUT',
  'BODY_TOO_SLOW',
]);

/** Transient transport failures (resets, timeouts) worth retrying; TLS and DNS failures are not. */
export function isRetryableNetworkError(err: unknown): boolean {
  const code = err instanceof CodedError ? err.code : systemCodeOf(err);
  if (code && NETWORK_CODES.has(code)) return true;
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  return cause !== undefined && cause !== err && isRetryableNetworkError(cause);
}
