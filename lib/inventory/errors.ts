import { redact } from '../util/redact.js';
import { CodedError, type CodesOf } from '../util/errors.js';

export type InventoryErrorCode = CodesOf<'inventory'>;

/** The single error type of lib/inventory; `cause` holds the API failure (a TencentApiError). */
export class InventoryError extends CodedError<InventoryErrorCode> {
  constructor(code: InventoryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, redact(message), options);
    this.name = 'InventoryError';
  }
}

export function messageOf(err: unknown): string {
  return redact(err instanceof Error ? err.message : String(err));
}
