import { BlobCoordinator } from '../copy/index.js';
import { formatEndpoint, type TransferTask } from '../planner/index.js';
import { RegistryPool, listTags, type CredentialSource } from '../registry/index.js';
import { aggregateReport, failedRulePairs, FsReportStore, renderSummary, writeRunReport, type PlanFailure, type RunReport, type TaskResult } from '../report/index.js';
import { ConfigError, formatRuleFile, loadRuleFile, loadSecurityFile, type CredentialStore } from '../rules/index.js';
import { newRunId, planRun, runTasks } from '../usecases/index.js';
import type { Logger } from '../util/logger.js';
import { formatBytes, formatDuration } from '../report/index.js';
import type { CliOptions } from './options.js';
import type { TtyProgress } from './progress.js';
import { UsageError } from './usage-error.js';

export interface RunContext {
  readonly options: CliOptions;
  readonly version: string;
  readonly logger: Logger;
  readonly env: Record<string, string | undefined>;
  readonly signal: AbortSignal;
  /** Set while a live display owns the terminal, so log lines go above it. */
  setLogSink(sink: ((line: string) => void) | undefined): void;
  stdout(text: string): void;
}

/** The flat original form: load and validate everything, plan, copy, report. Returns the exit status. */
export async function runCommand(ctx: RunContext): Promise<number> {
  const { options, logger } = ctx;
  if (options.ccrToTcr) return (await import('./ccr-command.js')).ccrCommand(ctx);
  if (!options.ruleFile) throw new UsageError('--ruleFile is required (a rule file of "source: target" entries); see --help.');
  const startedAt = new Date();
  const runId = newRunId(startedAt);
  const [security, rules] = await allOrConfigError([
    loadSecurityFile(options.securityFile, { env: ctx.env }),
    loadRuleFile(options.ruleFile, { defaultRegistry: options.registry, defaultNamespace: options.ns }),
  ] as const);
  const pool = poolFor(ctx, security);
  try {
    logger.info(`run ${runId}: ${rules.length} rule(s) from ${options.ruleFile}`);
    const plan = await planRun({ listTags: (r, repo, s) => listTags(pool.client(r, repo), repo, s) }, rules, {
      runId,
      tagExistOverridden: options.tagExistOverridden,
      signal: ctx.signal,
      concurrency: options.routines,
    });
    return await executePlan(ctx, pool, { runId, startedAt, ...plan });
  } finally {
    await pool.close();
  }
}

/** The registry pool of a CLI run; `override` replaces the access of chosen registries (TCR tokens). */
export function poolFor(ctx: RunContext, security: CredentialStore, override?: (registry: string) => CredentialSource | undefined): RegistryPool {
  return new RegistryPool(
    (registry, repository) => {
      const a = security.lookup(registry, repository);
      const credentials = override?.(registry) ?? (a.username || a.token ? { username: a.username, password: a.password, token: a.token } : undefined);
      return { credentials, insecure: a.insecure, ca: a.ca };
    },
    { qps: ctx.options.qps, onRetry: (e) => ctx.logger.warn(`retry ${e.attempt} of ${e.method} ${e.url} in ${e.delayMs}ms: ${e.reason}`) },
  );
}

/** Plan in hand: print it (dry run) or copy, then report. Returns the exit status. */
export async function executePlan(
  ctx: RunContext,
  pool: RegistryPool,
  plan: { runId: string; startedAt: Date; tasks: TransferTask[]; planFailures: PlanFailure[] },
): Promise<number> {
  const { options, logger } = ctx;
  for (const f of plan.planFailures) logger.error(`cannot plan ${f.rule.source} -> ${f.rule.target}: ${f.error.message}`);
  if (options.dryRun) return printPlan(ctx, plan.tasks, plan.planFailures.length);
  logger.info('Start to handle transfer jobs, please wait ...');
  const results = await transfer(ctx, pool, plan.tasks);
  const report = aggregateReport({
    runId: plan.runId,
    version: ctx.version,
    startedAt: plan.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    results,
    planFailures: plan.planFailures,
    interrupted: ctx.signal.aborted,
  });
  const dir = await saveReport(ctx, report);
  if (options.output === 'json') ctx.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else ctx.stdout(`${renderSummary(report).join('\n')}\nreport: ${dir}/report.html\n`);
  return report.totals.failed + report.totals.planFailed > 0 ? 1 : 0;
}

async function transfer(ctx: RunContext, pool: RegistryPool, tasks: TransferTask[]): Promise<TaskResult[]> {
  const { options, logger } = ctx;
  const tty = options.progress === 'tty' || (options.progress === 'auto' && process.stderr.isTTY === true);
  // loaded only for a terminal: the live display's dependencies cost start-up time in scripts
  const progress: TtyProgress | undefined = tty && options.output === 'text' ? new (await import('./progress.js')).TtyProgress(tasks.length) : undefined;
  if (progress) ctx.setLogSink((line) => progress.log(line));
  let done = 0;
  try {
    return await runTasks(
      { repository: (r, repo) => pool.repository(r, repo), coordinator: new BlobCoordinator(), blobConcurrency: options.blobConcurrency },
      tasks,
      {
        routines: options.routines,
        retry: options.retry,
        signal: ctx.signal,
        onStart: (task) => {
          progress?.start(task, `${formatEndpoint(task.source)} -> ${formatEndpoint(task.target)}`);
          logger.debug(`start ${formatEndpoint(task.source)} -> ${formatEndpoint(task.target)}`);
        },
        observerFor: (task) => (event) => {
          progress?.event(task, event);
          if (event.type === 'retry') logger.warn(`retry ${event.attempt} of blob ${event.digest} for ${task.rule.source}: ${event.reason}`);
        },
        onResult: (result) => {
          if (result.attempts <= 1) done += 1;
          progress?.finish(result);
          logResult(logger, result, result.attempts <= 1 ? `[${done}/${tasks.length}]` : `[retry ${result.attempts - 1}]`);
        },
      },
    );
  } finally {
    progress?.stop();
    ctx.setLogSink(undefined);
  }
}

function logResult(logger: Logger, r: TaskResult, counter: string): void {
  const head = `${counter} ${r.status} ${r.source} -> ${r.target}`;
  if (r.status === 'failed') {
    logger.error(`${head}: ${r.error?.message ?? 'unknown error'}`);
    return;
  }
  const moved = `${formatBytes(r.bytes.copied)} copied, ${formatBytes(r.bytes.mounted)} mounted, ${formatBytes(r.bytes.skipped)} present`;
  logger.info(`${head} ${r.digest ?? ''}${r.reason ? ` (${r.reason})` : ''}; ${moved}; ${formatDuration(r.durationMs)}`);
}

async function saveReport(ctx: RunContext, report: RunReport): Promise<string> {
  const store = new FsReportStore(ctx.options.reportDir);
  const pairs = failedRulePairs(report);
  await writeRunReport(store, report.runId, report, pairs.length ? formatRuleFile(pairs) : undefined);
  return `${ctx.options.reportDir.replace(/\/$/, '')}/${report.runId}`;
}

function printPlan(ctx: RunContext, tasks: TransferTask[], planFailed: number): number {
  if (ctx.options.output === 'json') {
    ctx.stdout(`${JSON.stringify({ tasks, planFailed }, null, 2)}\n`);
  } else {
    const lines = tasks.map((t) => `  ${formatEndpoint(t.source)} -> ${formatEndpoint(t.target)}${t.overwrite === 'never' ? ' (keep existing tag)' : ''}`);
    ctx.stdout(`plan: ${tasks.length} image(s), ${planFailed} rule(s) failed to plan\n${lines.join('\n')}\n`);
  }
  return planFailed > 0 ? 1 : 0;
}

/** Like Promise.all, but the problems of every file are reported together. */
async function allOrConfigError<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failures = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length === 0) return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
  const configErrors = failures.filter((f): f is ConfigError => f instanceof ConfigError);
  if (configErrors.length !== failures.length) throw failures.find((f) => !(f instanceof ConfigError));
  throw new ConfigError(configErrors.flatMap((e) => e.issues));
}
