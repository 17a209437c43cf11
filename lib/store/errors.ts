import { CodedError, type CodesOf } from '../util/errors.js';

export type StoreErrorCode = CodesOf<'store'>;

/** A report store refused a key or failed to read or write; `cause` holds the underlying error. */
export class StoreError extends CodedError<StoreErrorCode> {
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'StoreError';
  }
}
