import type { TaskSink } from '../../queue/index.js';
import { runKeys, type ObjectStore } from '../../store/index.js';
import { parseConfigBytes, parseRuleFile, type Rule, type RuleV2 } from '../../rules/index.js';
import { publishPullBudget } from '../transfer/pull-budget.js';
import { newRunId } from '../plan/run-id.js';
import { planRun, type PlanDeps } from '../plan/plan-run.js';
import type { PlanCursor, RunOptions } from './run-request.js';
import { type PlanManifest, readJson, PlanSlice } from './run-state.js';

export interface StartRunDeps extends PlanDeps {
  readonly store: ObjectStore;
  readonly sink: TaskSink;
  /** Refuses rules the caller may not run (HTTP-triggered runs: see checkRegistryPolicy). */
  checkRules?(rules: ReadonlyArray<Rule | RuleV2>): Promise<void>;
  /** Hands the rest of the plan to another invocation (async self-invocation of the planner). */
  continueLater(cursor: PlanCursor): Promise<void>;
  /** After the last slice: start the pull workers (TDMQ-CMQ mode); nothing for SCF async. */
  startWorkers?(runId: string): Promise<void>;
}

export interface StartRunResult {
  readonly runId: string;
  readonly state: 'planned' | 'continuing';
  readonly tasks: number;
  readonly planFailures: number;
}

/** How long results are awaited before missing ones count as failed. @default 24 h */
const RUN_TTL_MS = 24 * 60 * 60 * 1000;

/** Starts a run from rule file text: validates every rule first (nothing is queued on bad input). */
export function startRun(
  deps: StartRunDeps,
  rulesText: string,
  file: string,
  options: RunOptions,
  budget: { deadline: number; signal?: AbortSignal },
): Promise<StartRunResult> {
  const runId = newRunId();
  return continueRun(deps, { runId, nextRule: 0, slice: 0, request: { rules: rulesText, file, options } }, budget);
}

/**
 * Plans rules from the cursor on, a slice per invocation: each slice's tasks are written to the store
 * and queued; when the deadline nears, the rest is handed to `continueLater`. Replaying a slice is
 * harmless (same task ids, idempotent transfers).
 */
export async function continueRun(deps: StartRunDeps, cursor: PlanCursor, budget: { deadline: number; signal?: AbortSignal }): Promise<StartRunResult> {
  const { request, runId } = cursor;
  const loaded = parseConfigBytes(request.file, Buffer.from(request.rules));
  const rules = parseRuleFile(loaded, { defaultRegistry: request.options.registry, defaultNamespace: request.options.ns });
  if (cursor.nextRule === 0) {
    await deps.checkRules?.(rules);
    // workers see only tasks: the budget lives per registry in the bucket, where they read it
    if (request.options.pullBudget) await publishPullBudget(deps.store, request.options.pullBudget);
  }
  const chunk = 25;
  let next = cursor.nextRule;
  let slice = cursor.slice;
  while (next < rules.length) {
    if (Date.now() > budget.deadline) {
      await deps.continueLater({ ...cursor, nextRule: next, slice });
      return { runId, state: 'continuing', tasks: 0, planFailures: 0 };
    }
    const part = rules.slice(next, next + chunk);
    const plan = await planRun(deps, part, { runId, tagExistOverridden: request.options.tagExistOverridden, signal: budget.signal });
    const { verify } = request.options;
    const tasks = verify === 'off' ? plan.tasks : plan.tasks.map((t) => ({ ...t, verify }));
    await writeSlice(deps, runId, slice, { ...plan, tasks }, budget.signal);
    next += part.length;
    slice += 1;
  }
  return finishPlan(deps, runId, slice);
}

/** One planned slice: stored first (the aggregator's source of truth), then queued. */
async function writeSlice(deps: StartRunDeps, runId: string, slice: number, plan: PlanSlice, signal?: AbortSignal): Promise<void> {
  await deps.store.put(runKeys.slice(runId, slice), JSON.stringify(plan), 'application/json');
  await deps.sink.send(plan.tasks, signal);
}

/** Marks the run completely planned (plan.json) and starts the workers. */
async function finishPlan(deps: StartRunDeps, runId: string, slices: number): Promise<StartRunResult> {
  const totals = await summarise(deps.store, runId);
  const now = new Date();
  const manifest: PlanManifest = {
    runId,
    createdAt: now.toISOString(),
    completedAt: now.toISOString(),
    slices,
    tasks: totals.tasks,
    planFailures: totals.planFailures,
    expiresAt: new Date(now.getTime() + RUN_TTL_MS).toISOString(),
  };
  await deps.store.put(runKeys.plan(runId), JSON.stringify(manifest), 'application/json');
  await deps.startWorkers?.(runId);
  return { runId, state: 'planned', tasks: totals.tasks, planFailures: totals.planFailures };
}

/** A run whose tasks were planned elsewhere (the CCR -> TCR inventory): one slice, then done. */
export async function startPlannedRun(deps: StartRunDeps, runId: string, plan: PlanSlice, signal?: AbortSignal): Promise<StartRunResult> {
  await writeSlice(deps, runId, 0, plan, signal);
  return finishPlan(deps, runId, 1);
}

async function summarise(store: ObjectStore, runId: string): Promise<{ tasks: number; planFailures: number }> {
  const slices = await Promise.all((await store.list(runKeys.slices(runId))).map((k) => readJson(store, k, PlanSlice)));
  const ids = new Set(slices.flatMap((s) => s?.tasks.map((t) => t.taskId) ?? []));
  return { tasks: ids.size, planFailures: slices.reduce((n, s) => n + (s?.planFailures.length ?? 0), 0) };
}
