/**
 * What the CLI and the SCF functions do, over ports, so both drivers stay thin. Grouped by what they serve:
 * - plan/: rules or the CCR inventory -> tasks (and the dry-run estimate);
 * - transfer/: one task -> one result, the in-process queue, verification, referrers, checkpoints, pull budget;
 * - cloud/: a serverless run: start and continue planning, record results, aggregate, status, registry policy;
 * - report/: a run's report files and the failed-rules file.
 * Every public name is exported here; drivers import nothing else of this module.
 * May import: every module of lib/ except lib/cli.
 */
export { planRun, type Plan, type PlanDeps, type PlanOptions } from './plan/plan-run.js';
export { planSources, transferSources } from './plan/plan-sources.js';
export { newRunId } from './plan/run-id.js';
export { checkRegistryAccess, checkPlanFailures, type AccessCheck, type AccessCheckDeps, type AccessCheckFailure } from './plan/check-access.js';
export { estimatePlan, type EstimateDeps, type EstimateMode, type PlanEstimate, type SourceEstimate } from './plan/estimate-plan.js';
export { planCcrToTcr, tcrRegistryLogin, type CcrToTcrDeps, type CcrToTcrOptions } from './plan/ccr-to-tcr.js';

export { transferOne, notRunResult, type TransferDeps, type TransferOptions } from './transfer/transfer-one.js';
export { explainFailure } from './transfer/explain-failure.js';
export { runTasks, type RegistryDown, type RunTasksOptions } from './transfer/run-tasks.js';
export { verifyStep, withVerification, type VerifyMode } from './transfer/verify-step.js';
export { checkpointsIn } from './transfer/checkpoints.js';
export { PullBudgetError, SharedPullBudget, publishPullBudget, readPullBudget, pullBudgetKey, pullBudgetGates } from './transfer/pull-budget.js';

export { RunRequest, RunOptions, JobFile, PlanCursor } from './cloud/run-request.js';
export { startRun, continueRun, startPlannedRun, type StartRunDeps, type StartRunResult } from './cloud/start-run.js';
export { transferAndRecord } from './cloud/transfer-task.js';
export { aggregateRun, unreportedRuns, type AggregateOutcome } from './cloud/aggregate-run.js';
export { isUnfinished, pendingTasks, unfinishedRuns } from './cloud/resume-run.js';
export { handleApiRequest, recentRuns, rulesOfRequest, type ApiDeps, type ApiRequest, type ApiResponse } from './cloud/api.js';
export { runStatus, RunStatus, StatusFailure } from './cloud/run-status.js';
export { httpRunApi, RunApiError, StartedRun, type RunApi } from './cloud/run-api.js';
export { watchRun, type ReportedStatus, type WatchOptions } from './cloud/watch-run.js';
export { checkRegistryPolicy, checkRegistries, isInternalAddress, PolicyError, type Resolver } from './cloud/registry-policy.js';
export { PlanManifest, PlanSlice } from './cloud/run-state.js';
export { WorkerLease, claimFreeSlots, readWorkerLeases, recordWorker, runningLease, workerHealth } from './cloud/workers.js';

export { writeRunReport } from './report/write-report.js';
export { failedRulesV2 } from './report/failed-rules-v2-file.js';
