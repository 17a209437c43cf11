export { planRun, type Plan, type PlanDeps, type PlanOptions } from './plan-run.js';
export { transferOne, type TransferDeps, type TransferOptions } from './transfer-one.js';
export { runTasks, type RunTasksOptions } from './run-tasks.js';
