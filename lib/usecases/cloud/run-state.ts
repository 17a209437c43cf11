import { z } from 'zod';
import { TransferTask } from '../../planner/index.js';
import { PlanFailure, TaskResult } from '../../report/index.js';
import { runKeys, type ObjectStore } from '../../store/index.js';

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

export async function readJson<T>(store: ObjectStore, key: string, schema: z.ZodType<T>): Promise<T | undefined> {
  const text = await store.get(key);
  if (!text) return undefined;
  return schema.parse(JSON.parse(text));
}

export async function readResults(store: ObjectStore, runId: string): Promise<Map<string, TaskResult>> {
  const keys = await store.list(runKeys.results(runId));
  const results = await Promise.all(keys.map((k) => readJson(store, k, TaskResult)));
  return new Map(results.filter((r): r is TaskResult => r !== undefined).map((r) => [r.taskId, r]));
}
