import { shared } from '../../lib/util/signals.js';
import type { ScfContext } from './scf-context.js';

export interface Deadline {
  /** Soft: aborts `marginMs` before the platform would kill the invocation (stop starting work). */
  readonly signal: AbortSignal;
  /** Hard: 5 s before the kill, cancels what still runs so its result can be written. */
  readonly hard: AbortSignal;
  /** Epoch ms at which work should stop starting. */
  readonly at: number;
}

/**
 * SCF has no getRemainingTime(): the budget is `time_limit_in_ms` from the start of the invocation.
 * The margin leaves room to write a result (or a checkpoint) and to hand the rest on.
 */
export function deadlineFrom(context: ScfContext, marginMs = 30_000, startedAt = Date.now()): Deadline {
  const limit = context.time_limit_in_ms ?? 900_000;
  const budget = Math.max(1_000, limit - Math.min(marginMs, limit / 3));
  return { signal: shared(AbortSignal.timeout(budget)), hard: shared(AbortSignal.timeout(Math.max(budget, limit - 5_000))), at: startedAt + budget };
}
