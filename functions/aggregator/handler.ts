import { aggregateRun, unreportedRuns } from '../../lib/usecases/index.js';
import { wire, type Wiring } from '../_shared/wiring.js';
import { parseAggregatorEvent } from './event.js';

let wiring: Wiring | undefined;

/** Aggregator: report one run (direct invocation) or every planned, unreported run (timer). */
export async function main_handler(event: unknown): Promise<unknown> {
  const w = (wiring ??= wire());
  const parsed = parseAggregatorEvent(event);
  const runIds = parsed.kind === 'run' ? [parsed.runId] : await unreportedRuns(w.store);
  const outcomes = [];
  for (const runId of runIds) outcomes.push(await aggregateRun(w.store, runId, w.version));
  return { runs: outcomes };
}
