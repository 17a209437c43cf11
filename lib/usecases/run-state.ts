import { z } from 'zod';
import { TransferTask } from '../planner/index.js';
import { PlanFailure, TaskResult, type ReportStore } from '../report/index.js';

/**
 * Layout of a run in the store (the contract between planner, workers and aggregator):
 *   runs/<runId>/plan/<slice>.json   tasks and plan failures of one planner invocation
 *   runs/<runId>/plan.json           written last by the planner: the run is completely planned
 *   runs/<runId>/results/<taskId>.json  one per task, rewritten by every attempt
 *   runs/<runId>/report.{json,html,md}, failed.yaml   written by the aggregator
 */
export const runKeys = {
  slice: (runId: string, slice: number) => `runs/${runId}/plan/${String(slice).padStart(5, '0')}.json`,
  slices: (runId: string) => `runs/${runId}/plan/`,
  plan: (runId: string) => `runs/${runId}/plan.json`,
  result: (runId: string, taskId: string) => `runs/${runId}/results/${taskId}.json`,
  results: (runId: string) => `runs/${runId}/results/`,
  report: (runId: string) => `runs/${runId}/report.json`,
  prefix: (runId: string) => `runs/${runId}`,
};

export const PlanSlice = z.object({ tasks: z.array(TransferTask), planFailures: z.array(PlanFailure) });
export type PlanSlice = z.infer<typeof PlanSlice>;

export const PlanManifest = z.object({
  runId: z.string(),
  createdAt: z.string(),
  completedAt: z.string(),
  slices: z.number().int(),
  tasks: z.number().int(),
  planFailures: z.number().int(),
  /** After this, tasks without a result count as failed (EXPIRED). */
  expiresAt: z.string(),
});
export type PlanManifest = z.infer<typeof PlanManifest>;

export async function readJson<T>(store: ReportStore, key: string, schema: z.ZodType<T>): Promise<T | undefined> {
  const text = await store.get(key);
  if (!text) return undefined;
  return schema.parse(JSON.parse(text));
}

export async function readResults(store: ReportStore, runId: string): Promise<Map<string, TaskResult>> {
  const keys = await store.list(runKeys.results(runId));
  const results = await Promise.all(keys.map((k) => readJson(store, k, TaskResult)));
  return new Map(results.filter((r): r is TaskResult => r !== undefined).map((r) => [r.taskId, r]));
}
