import { redact } from '../util/redact.js';
import { CodedError, type CodesOf } from '../util/errors.js';

export type TencentApiErrorCode = Exclude<CodesOf<'tencent'>, 'CLOUD_CREDENTIALS_MISSING'>;

/**
 * The single error type of the Tencent API adapters: a cloud API call that failed for good (after the
 * throttle's retries). `apiCode` is Tencent's own code (`AuthFailure.SignatureFailure`,
 * `ResourceNotFound`, ...); it is empty when no answer came back (network, HTTP status).
 */
export class TencentApiError extends CodedError<TencentApiErrorCode> {
  readonly apiCode: string;
  readonly action: string;
  readonly requestId: string | undefined;
  readonly attempts: number;

  constructor(init: { action: string; apiCode?: string; message: string; requestId?: string; attempts: number; cause?: unknown }) {
    const apiCode = init.apiCode ?? '';
    const id = init.requestId ? ` (RequestId ${init.requestId})` : '';
    const tries = init.attempts > 1 ? ` after ${init.attempts} attempts` : '';
    super(
      apiCode ? 'TENCENT_API_FAILED' : 'TENCENT_API_UNREACHABLE',
      redact(`${init.action} failed${tries}: ${apiCode ? `${apiCode}: ` : ''}${init.message}${id}`),
      { cause: init.cause, op: init.action },
    );
    this.name = 'TencentApiError';
    this.apiCode = apiCode;
    this.action = init.action;
    this.requestId = init.requestId || undefined;
    this.attempts = init.attempts;
  }
}

/** What the SDK throws (TencentCloudSDKHttpException), read by shape so the SDK stays a deep import. */
export interface SdkFailure {
  readonly message: string;
  readonly code?: string;
  readonly requestId?: string;
  readonly httpCode?: number;
}

export function asSdkFailure(err: unknown): SdkFailure {
  const e = (err ?? {}) as Partial<SdkFailure>;
  return {
    message: typeof e.message === 'string' ? e.message : String(err),
    ...(typeof e.code === 'string' && e.code ? { code: e.code } : {}),
    ...(typeof e.requestId === 'string' && e.requestId ? { requestId: e.requestId } : {}),
    ...(typeof e.httpCode === 'number' ? { httpCode: e.httpCode } : {}),
  };
}

/** The Tencent error code of a failure, whether raw from the SDK or already wrapped. */
export function apiCodeOf(err: unknown): string {
  if (err instanceof TencentApiError) return err.apiCode;
  return asSdkFailure(err).code ?? '';
}
