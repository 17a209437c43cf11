export type StoreErrorCode = 'REPORT_INVALID_KEY' | 'REPORT_STORE_FAILED';

/** A report store refused a key or failed to read or write; `cause` holds the underlying error. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}
