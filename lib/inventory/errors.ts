import { redact } from '../util/redact.js';

export type InventoryErrorCode =
  | 'CCR_LIST_FAILED'
  | 'CCR_REGION_UNKNOWN'
  | 'TCR_INSTANCE_NOT_FOUND'
  | 'TCR_LIST_FAILED'
  | 'TCR_TOKEN_FAILED';

/** The single error type of lib/inventory; `cause` holds the API failure (a TencentApiError). */
export class InventoryError extends Error {
  constructor(
    readonly code: InventoryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(redact(message), options);
    this.name = 'InventoryError';
  }
}

export function messageOf(err: unknown): string {
  return redact(err instanceof Error ? err.message : String(err));
}
