import { runKeys, type ObjectStore } from '../../store/index.js';
import { RunReport } from '../../report/index.js';
import { PlanManifest, readJson } from './run-state.js';

export type RunStatus =
  | { runId: string; state: 'unknown' | 'planning' }
  | { runId: string; state: 'running'; tasks: number; done: number }
  | { runId: string; state: 'reported'; totals: RunReport['totals']; report: string };

/** Where a run stands, from the store alone (cheap: a list and at most two small reads). */
export async function runStatus(store: ObjectStore, runId: string): Promise<RunStatus> {
  const report = await readJson(store, runKeys.report(runId), RunReport);
  if (report) return { runId, state: 'reported', totals: report.totals, report: `${runKeys.prefix(runId)}/report.html` };
  const manifest = await readJson(store, runKeys.plan(runId), PlanManifest);
  if (!manifest) return { runId, state: (await store.list(runKeys.slices(runId))).length ? 'planning' : 'unknown' };
  return { runId, state: 'running', tasks: manifest.tasks, done: (await store.list(runKeys.results(runId))).length };
}
