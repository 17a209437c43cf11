export type ReportErrorCode = 'REPORT_INVALID_KEY' | 'REPORT_STORE_FAILED';

/** A report store refused a key or failed to read or write; `cause` holds the underlying error. */
export class ReportError extends Error {
  constructor(
    readonly code: ReportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReportError';
  }
}
