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
  const budget = Math.floor(Math.max(1_000, limit - Math.min(marginMs, limit / 3)));
  return { signal: shared(AbortSignal.timeout(budget)), hard: shared(AbortSignal.timeout(Math.max(budget, limit - 5_000))), at: startedAt + budget };
}

/**
 * The deadline for one queue message's work: the invocation's, or earlier when the message becomes
 * visible to other workers first. TDMQ-CMQ has no way to extend a received message's visibility, so a
 * task still running past it would be received and run a second time, concurrently, by another worker.
 * Work stops a margin (a tenth of the window, 1–30 s) before that; the hard stop comes at half the
 * margin, leaving the rest to write the result and delete the message.
 */
export function forMessage(deadline: Deadline, visibleUntil: number | undefined, now = Date.now()): Deadline {
  if (visibleUntil === undefined) return deadline;
  const margin = Math.floor(Math.min(30_000, Math.max(1_000, (visibleUntil - now) / 10)));
  const stopAt = visibleUntil - margin;
  const soft = AbortSignal.timeout(Math.max(0, Math.floor(stopAt - now)));
  const hard = AbortSignal.timeout(Math.max(0, Math.floor(visibleUntil - margin / 2 - now)));
  return { signal: shared(AbortSignal.any([deadline.signal, soft])), hard: shared(AbortSignal.any([deadline.hard, hard])), at: Math.min(deadline.at, stopAt) };
}
