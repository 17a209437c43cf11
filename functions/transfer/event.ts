import { z } from 'zod';
import { TransferTask } from '../../lib/planner/index.js';

/** SCF async fan-out: one task per invocation (ClientContext), `attempt` > 1 for continuations. */
export const TaskEvent = z.strictObject({ task: TransferTask, attempt: z.number().int().min(1).optional() });
/**
 * TDMQ-CMQ mode: become a pull worker in slot `slot` (see WorkerLease) until the queue is empty or the deadline
 * nears; `generation` counts the hand-ons to fresh invocations of itself.
 */
export const WorkerEvent = z.strictObject({
  worker: z.strictObject({ slot: z.number().int().min(0).max(499).default(0), generation: z.number().int().min(0).default(0) }),
});
/** Timer trigger: restart workers (TDMQ-CMQ mode) in case some died. */
export const TimerEvent = z.strictObject({ Type: z.literal('Timer'), TriggerName: z.string(), Time: z.string(), Message: z.string().optional() });

export type TransferEvent = { kind: 'task'; task: TransferTask; attempt: number } | { kind: 'worker'; slot: number; generation: number } | { kind: 'timer' };

export function parseTransferEvent(event: unknown): TransferEvent {
  const o = (event ?? {}) as Record<string, unknown>;
  if (o.Type === 'Timer') return (TimerEvent.parse(event), { kind: 'timer' });
  if ('worker' in o) return { kind: 'worker', ...WorkerEvent.parse(event).worker };
  const t = TaskEvent.parse(event);
  return { kind: 'task', task: t.task, attempt: t.attempt ?? 1 };
}
