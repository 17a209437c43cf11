import { z } from 'zod';

/** Timer trigger: report every run that is planned but not yet reported. */
export const TimerEvent = z.strictObject({ Type: z.literal('Timer'), TriggerName: z.string(), Time: z.string(), Message: z.string().optional() });
/** Direct invocation for one run. */
export const RunEvent = z.strictObject({ runId: z.string().regex(/^[A-Za-z0-9._-]{1,80}$/) });

export type AggregatorEvent = { kind: 'timer' } | { kind: 'run'; runId: string };

export function parseAggregatorEvent(event: unknown): AggregatorEvent {
  const o = (event ?? {}) as Record<string, unknown>;
  if (o.Type === 'Timer') return (TimerEvent.parse(event), { kind: 'timer' });
  return { kind: 'run', runId: RunEvent.parse(event).runId };
}
