import type { TaskSink } from '../../queue/index.js';
import { runKeys, type ObjectStore } from '../../store/index.js';
import { parseConfigBytes, parseRuleFile, type Rule, type RuleV2 } from '../../rules/index.js';
import { publishPullBudget } from '../transfer/pull-budget.js';
import { newRunId } from '../plan/run-id.js';
import { planRun, type PlanDeps } from '../plan/plan-run.js';
import { PlanCursor, type RunOptions } from './run-request.js';
import { CodedError, codeOf, messageOf } from '../../util/errors.js';
import { redact } from '../../util/redact.js';
import { PLAN_SLICE_RULES, PLAN_SLICE_TASKS } from '../../util/limits.js';
import { type PlanManifest, readJson, PlanSlice } from './run-state.js';

export interface StartRunDeps extends PlanDeps {
  readonly store: ObjectStore;
  readonly sink: TaskSink;
  /** Refuses rules the caller may not run (HTTP-triggered runs: see checkRegistryPolicy). */
  checkRules?(rules: ReadonlyArray<Rule | RuleV2>): Promise<void>;
  /** Hands the rest of the plan to another invocation (async self-invocation of the planner) by the cursor's key. */
  continueLater(cursorKey: string): Promise<void>;
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

/** Where planning stands in this invocation: the cursor, with the rule text in memory. */
interface Progress {
  readonly runId: string;
  readonly nextRule: number;
  readonly slice: number;
  readonly request: { readonly rules: string; readonly file: string; readonly options: RunOptions };
  /** Set once the rule text is in the store (the first hand-on stores it). */
  readonly rulesKey?: string;
}

/** Starts a run from rule file text: validates every rule first (nothing is queued on bad input). */
export function startRun(
  deps: StartRunDeps,
  rulesText: string,
  file: string,
  options: RunOptions,
  budget: { deadline: number; signal?: AbortSignal },
): Promise<StartRunResult> {
  const runId = newRunId();
  return planFrom(deps, { runId, nextRule: 0, slice: 0, request: { rules: rulesText, file, options } }, budget);
}

/** Resumes a plan from the cursor stored at `cursorKey` (see PlanCursor). */
export async function continueRun(deps: StartRunDeps, cursorKey: string, budget: { deadline: number; signal?: AbortSignal }): Promise<StartRunResult> {
  const cursor = await readJson(deps.store, cursorKey, PlanCursor);
  if (!cursor) throw new CodedError('CONFIG_INVALID', `plan cursor ${cursorKey} not found in the bucket`);
  const rules = await deps.store.get(cursor.rulesKey);
  if (rules === undefined) throw new CodedError('CONFIG_INVALID', `rule text ${cursor.rulesKey} of run ${cursor.runId} not found in the bucket`);
  return planFrom(deps, { ...cursor, request: { rules, file: cursor.file, options: cursor.options } }, budget);
}

/**
 * Plans rules from the cursor on, a slice per invocation: each slice's tasks are written to the store
 * and queued; when the deadline nears, the rest is handed to `continueLater`. Replaying a slice is
 * harmless (same task ids, idempotent transfers). When the hand-on fails for good, the rules left
 * become plan failures, so the run still gets a report that says they were not planned.
 */
async function planFrom(deps: StartRunDeps, progress: Progress, budget: { deadline: number; signal?: AbortSignal }): Promise<StartRunResult> {
  const { request, runId } = progress;
  const loaded = parseConfigBytes(request.file, Buffer.from(request.rules));
  const rules = parseRuleFile(loaded, { defaultRegistry: request.options.registry, defaultNamespace: request.options.ns });
  if (progress.nextRule === 0) {
    await deps.checkRules?.(rules);
    // workers see only tasks: the budget lives per registry in the bucket, where they read it
    if (request.options.pullBudget) await publishPullBudget(deps.store, request.options.pullBudget);
  }
  let next = progress.nextRule;
  let slice = progress.slice;
  let planned = false;
  // rules are planned PLAN_SLICE_RULES at a time and stored a slice of about PLAN_SLICE_TASKS tasks at a time
  let buffer: PlanSlice = { tasks: [], planFailures: [] };
  const flush = async (): Promise<void> => {
    if (!buffer.tasks.length && !buffer.planFailures.length) return;
    // stored and queued whole, never cut by the deadline: a half-queued slice would be replayed anyway
    await writeSlice(deps, runId, slice, buffer);
    slice += 1;
    buffer = { tasks: [], planFailures: [] };
  };
  const handOnAt = async (): Promise<StartRunResult> => (await flush(), handOnOrGiveUp(deps, { ...progress, nextRule: next, slice }, rules.slice(next)));
  while (next < rules.length) {
    // the first rules of an invocation are always planned (bounded by the registry client's own deadlines),
    // so every invocation makes progress however long reading and parsing the rule file took
    if (planned && Date.now() > budget.deadline) return handOnAt();
    const part = rules.slice(next, next + PLAN_SLICE_RULES);
    const plan = await planRun(deps, part, { runId, tagExistOverridden: request.options.tagExistOverridden, ...(planned ? { signal: budget.signal } : {}) });
    // rules cut short by the deadline are not kept (they would read as failed): the next invocation redoes them
    if (planned && budget.signal?.aborted) return handOnAt();
    const { verify } = request.options;
    buffer.tasks.push(...(verify === 'off' ? plan.tasks : plan.tasks.map((t) => ({ ...t, verify }))));
    buffer.planFailures.push(...plan.planFailures);
    next += part.length;
    planned = true;
    if (buffer.tasks.length >= PLAN_SLICE_TASKS) await flush();
  }
  await flush();
  return finishPlan(deps, runId, slice);
}

/** Hands on; when that fails for good, the rules left become plan failures and the plan ends, so the run is reported. */
async function handOnOrGiveUp(deps: StartRunDeps, progress: Progress, left: ReadonlyArray<Rule | RuleV2>): Promise<StartRunResult> {
  try {
    await handOn(deps, progress);
    return { runId: progress.runId, state: 'continuing', tasks: 0, planFailures: 0 };
  } catch (err) {
    const message = redact(`not planned: the planner could not hand on the rest of the plan: ${messageOf(err)}`);
    const planFailures = left.map((rule) => ({
      rule: { source: rule.sourceText, target: rule.targetText },
      error: { code: codeOf(err) ?? 'PLAN_FAILED', message },
    }));
    await writeSlice(deps, progress.runId, progress.slice, { tasks: [], planFailures });
    return finishPlan(deps, progress.runId, progress.slice + 1);
  }
}

/** Stores the cursor (and, the first time, the rule text) and asks for the next invocation. */
async function handOn(deps: StartRunDeps, progress: Progress): Promise<void> {
  const rulesKey = progress.rulesKey ?? runKeys.planRules(progress.runId);
  if (!progress.rulesKey) await deps.store.put(rulesKey, progress.request.rules, 'application/yaml');
  const cursor: PlanCursor = {
    runId: progress.runId,
    nextRule: progress.nextRule,
    slice: progress.slice,
    rulesKey,
    file: progress.request.file,
    options: progress.request.options,
  };
  const key = runKeys.planCursor(progress.runId);
  await deps.store.put(key, JSON.stringify(cursor), 'application/json');
  await deps.continueLater(key);
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
