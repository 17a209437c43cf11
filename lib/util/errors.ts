/**
 * The one error vocabulary. Every error the project throws on purpose is a `CodedError` whose `code`
 * is one of ERROR_CODES: stable words that reports, logs, failed.yaml and the HTTP API show, and that
 * callers test with `hasCode` (typed, so a misspelt code does not compile) instead of comparing strings.
 */
export const ERROR_CODES = {
  /** lib/oci: references, manifests, digests. */
  oci: ['INVALID_REFERENCE', 'MANIFEST_INVALID', 'DIGEST_MISMATCH'],
  /** lib/registry: the distribution API and its transports. */
  registry: ['REGISTRY_HTTP', 'REGISTRY_UNAUTHORIZED', 'REGISTRY_NETWORK', 'REGISTRY_TIMEOUT', 'REGISTRY_PROTOCOL', 'QUOTA_EXHAUSTED'],
  transport: ['CONNECT_TIMEOUT', 'HEADERS_TIMEOUT', 'BODY_TIMEOUT', 'BODY_TOO_SLOW'],
  /** lib/http: a whole body refused or broken off (callers may turn these into their own errors). */
  http: ['HTTP_BODY_TOO_LARGE', 'HTTP_BODY_BROKEN', 'HTTP_BODY_NOT_JSON'],
  /** lib/copy: one image's copy, by what failed. */
  copy: ['SOURCE_NOT_FOUND', 'PLATFORM_NOT_FOUND', 'UNAUTHORIZED', 'NETWORK', 'REGISTRY_ERROR', 'ABORTED', 'SUSPENDED', 'INTERNAL'],
  /** A run's tasks that never ran to an end. */
  run: ['INTERRUPTED', 'EXPIRED', 'NOT_RECORDED', 'VERIFY_MISMATCH', 'PLAN_FAILED', 'NO_MATCHING_TAGS', 'INVALID_NAME', 'NOT_ATTEMPTED'],
  /** Bad input: exit 2 in the CLI, 400 in the HTTP API. */
  input: ['CONFIG_INVALID', 'CREDENTIAL_HELPER', 'USAGE', 'BAD_REQUEST'],
  /** The serverless API's own refusals. */
  api: ['POLICY_REFUSED', 'NOT_FOUND'],
  /** `image-transfer cloud`: the run API refused, failed or could not be reached; a watch ran out of time. */
  client: ['RUN_API_UNAUTHORIZED', 'RUN_API_FAILED', 'RUN_API_UNREACHABLE', 'RUN_WATCH_TIMEOUT'],
  store: ['REPORT_INVALID_KEY', 'REPORT_STORE_FAILED'],
  queue: ['QUEUE_SEND_FAILED', 'QUEUE_RECEIVE_FAILED', 'QUEUE_MESSAGE_INVALID'],
  tencent: ['TENCENT_API_FAILED', 'TENCENT_API_UNREACHABLE', 'CLOUD_CREDENTIALS_MISSING'],
  inventory: ['CCR_LIST_FAILED', 'CCR_REGION_UNKNOWN', 'TCR_INSTANCE_NOT_FOUND', 'TCR_LIST_FAILED', 'TCR_TOKEN_FAILED'],
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES][number];
export type CodesOf<K extends keyof typeof ERROR_CODES> = (typeof ERROR_CODES)[K][number];

export type Origin = 'source' | 'destination';

export interface ErrorDetails {
  /** A later attempt may succeed (a 503, a reset); the default is false. */
  readonly retryable?: boolean;
  /** Which side of a copy failed. */
  readonly origin?: Origin;
  /** What was being done (`copy-blob`, `push-manifest`, an API action...). */
  readonly op?: string;
  readonly cause?: unknown;
}

/** The base of every error the project throws on purpose. */
export class CodedError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly retryable: boolean;
  readonly origin: Origin | undefined;
  readonly op: string | undefined;

  constructor(code: C, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'CodedError'; // subclasses name themselves: the bundles are minified, class names are not kept
    this.code = code;
    this.retryable = details.retryable ?? false;
    this.origin = details.origin;
    this.op = details.op;
  }
}

/** Node's and undici's own codes of a failed socket or file operation (`ECONNRESET`, `ENOENT`, `UND_ERR_SOCKET`...). */
export function systemCodeOf(err: unknown): string | undefined {
  if (err instanceof CodedError) return undefined;
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The vocabulary code of an error: a CodedError's own, `ABORTED` for an abort, else undefined. */
export function codeOf(err: unknown): ErrorCode | undefined {
  if (err instanceof CodedError) return err.code;
  if (isAbort(err)) return 'ABORTED';
  return undefined;
}

/** True when `err` carries one of `codes`. */
export function hasCode(err: unknown, ...codes: readonly ErrorCode[]): boolean {
  const code = codeOf(err);
  return code !== undefined && codes.includes(code);
}

/** True when a recorded error (a TaskResult's or a PlanFailure's `error`, which are data) carries one of `codes`. */
export function recordHasCode(error: { readonly code: string } | undefined, ...codes: readonly ErrorCode[]): boolean {
  return error !== undefined && (codes as readonly string[]).includes(error.code);
}

export function isAbort(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown } | null | undefined;
  return e?.name === 'AbortError' || e?.code === 'ABORT_ERR';
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
