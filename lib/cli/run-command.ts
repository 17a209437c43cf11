import { BlobCoordinator } from '../copy/index.js';
import { formatEndpoint, type TransferTask } from '../planner/index.js';
import { RegistryPool, type CredentialSource } from '../registry/index.js';
import { aggregateReport, failedRulePairs, renderSummary, type PlanFailure, type RunReport, type TaskResult } from '../report/index.js';
import { FsObjectStore, localRunKeys } from '../store/index.js';
import { ConfigError, CredentialHelperError, formatRuleFile, formatRuleFileV2, loadRuleFile, loadSecurityFile, type CredentialStore, type Rule, type RuleV2 } from '../rules/index.js';
import { estimatePlan, newRunId, planRun, planSources, runTasks, writeRunReport, type PlanEstimate } from '../usecases/index.js';
import { failedRulesV2 } from '../usecases/failed-rules-v2.js';
import { escapeControl } from '../util/escape-control.js';
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
  await checkCredentialHelpers(security, rules);
  const pool = poolFor(ctx, security);
  try {
    logger.info(`run ${runId}: ${rules.length} rule(s) from ${options.ruleFile}`);
    const plan = await planRun(planSources(() => pool), rules, {
      runId,
      tagExistOverridden: options.tagExistOverridden,
      signal: ctx.signal,
      concurrency: options.routines,
    });
    const rulesV2 = rules.filter((r): r is RuleV2 => 'version' in r);
    return await executePlan(ctx, pool, { runId, startedAt, ...plan, ...(rulesV2.length ? { rulesV2 } : {}) });
  } finally {
    await pool.close();
  }
}

/** The registry pool of a CLI run; `override` replaces the access of chosen registries (TCR tokens). */
export function poolFor(ctx: RunContext, security: CredentialStore, override?: (registry: string) => CredentialSource | undefined): RegistryPool {
  const pacedRegistries = new Set<string>();
  return new RegistryPool(
    (registry, repository) => {
      const a = security.lookup(registry, repository);
      const credentials = override?.(registry) ?? a.deferred ?? (a.username || a.token ? { username: a.username, password: a.password, token: a.token } : undefined);
      return { credentials, insecure: a.insecure, ca: a.ca };
    },
    {
      qps: ctx.options.qps,
      onRetry: (e) => ctx.logger.warn(`retry ${e.attempt} of ${e.method} ${e.url} in ${e.delayMs}ms: ${e.reason}`),
      quota: {
        reserve: ctx.options.pullReserve,
        maxWaitMs: ctx.options.pullMaxWait * 1000,
        // once per registry and run: a paced run waits window after window, and says so once
        onPacing: (e) =>
          !pacedRegistries.has(e.registry) &&
          pacedRegistries.add(e.registry) &&
          ctx.logger.warn(`${e.registry}: ${e.remaining} of ${e.limit ?? '?'} pulls left, ${e.reserve} kept in reserve (--pull-reserve): pacing manifest GETs, next at ${new Date(e.nextAt).toISOString()}`),
      },
    },
  );
}

/** Plan in hand: print it (dry run) or copy, then report. Returns the exit status. */
export async function executePlan(
  ctx: RunContext,
  pool: RegistryPool,
  plan: { runId: string; startedAt: Date; tasks: TransferTask[]; planFailures: PlanFailure[]; rulesV2?: RuleV2[] },
): Promise<number> {
  const { options, logger } = ctx;
  for (const f of plan.planFailures) logger.error(`cannot plan ${f.rule.source} -> ${f.rule.target}: ${f.error.message}`);
  if (options.dryRun || options.estimate) return printPlan(ctx, pool, plan.tasks, plan.planFailures.length);
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
  const dir = await saveReport(ctx, report, plan.rulesV2 && (() => failedRulesV2(report, plan.tasks, plan.rulesV2!)));
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
      { repository: (r, repo) => pool.repository(r, repo), coordinator: new BlobCoordinator(), blobConcurrency: options.blobConcurrency, verify: options.verify },
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

/** `failedV2`: a version-2 run's failed.yaml rules (the original form cannot carry their options). */
async function saveReport(ctx: RunContext, report: RunReport, failedV2?: () => Array<Record<string, unknown>>): Promise<string> {
  const store = new FsObjectStore(ctx.options.reportDir);
  const pairs = failedRulePairs(report);
  const v2 = pairs.length && failedV2 ? failedV2() : undefined;
  await writeRunReport(store, localRunKeys.prefix(report.runId), report, v2?.length ? formatRuleFileV2(v2) : pairs.length ? formatRuleFile(pairs) : undefined);
  return `${ctx.options.reportDir.replace(/\/$/, '')}/${localRunKeys.prefix(report.runId)}`;
}

/** The plan, and with `--estimate` its cost per source registry (see estimatePlan). */
async function printPlan(ctx: RunContext, pool: RegistryPool, tasks: TransferTask[], planFailed: number): Promise<number> {
  const mode = ctx.options.estimate;
  const estimate = mode ? await estimatePlan({ repository: (r, repo) => pool.repository(r, repo) }, tasks, mode, { concurrency: ctx.options.routines, signal: ctx.signal }) : undefined;
  if (ctx.options.output === 'json') {
    ctx.stdout(`${JSON.stringify({ tasks, planFailed, ...(estimate ? { estimate } : {}) }, null, 2)}\n`);
  } else {
    const lines = tasks.map((t) => escapeControl(`  ${formatEndpoint(t.source)} -> ${formatEndpoint(t.target)}${planNotes(t)}`));
    ctx.stdout(`plan: ${tasks.length} image(s), ${planFailed} rule(s) failed to plan\n${lines.join('\n')}\n${estimate ? formatEstimate(estimate) : ''}`);
  }
  return planFailed > 0 || (estimate?.failures.length ?? 0) > 0 ? 1 : 0;
}

function formatEstimate(e: PlanEstimate): string {
  const lines = e.sources.map((s) => {
    const pulls = `${s.pullsExact ? '' : 'at least '}${s.pulls} pull(s)`;
    const bytes = s.bytes ? `; ${formatBytes(s.bytes.moved)} to move (${s.blobs!.moved} blobs), ${formatBytes(s.bytes.mounted)} mounted, ${formatBytes(s.bytes.present)} already present; the estimate itself used ${s.estimatePulls} pull(s)` : '';
    return `  ${s.registry}: ${s.images} image(s), ${s.upToDate} up to date, ${s.toCopy} to copy; ${pulls}${bytes}`;
  });
  const failed = e.failures.map((f) => escapeControl(`  cannot estimate ${f.task}: ${f.message}`));
  return `estimate (${e.mode === 'full' ? 'HEADs, manifest GETs and blob HEADs' : 'HEADs only, no pulls spent'}):\n${[...lines, ...failed].join('\n')}\n`;
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

function planNotes(t: TransferTask): string {
  const notes = [
    t.overwrite === 'never' ? 'keep existing tag' : t.overwrite === 'always' ? 'overwrite always' : '',
    t.platforms ? `platforms ${t.platforms.join(',')}` : '',
    t.backupTag ? `backup to :${t.backupTag}` : '',
    t.referrers ? `with referrers${t.referrers.artifactTypes ? ` (${t.referrers.artifactTypes.join(', ')})` : ''}` : '',
  ].filter(Boolean);
  return notes.length ? ` (${notes.join('; ')})` : '';
}

/**
 * Runs the docker credential helpers the rules' registries need before anything is planned, so a
 * missing or broken helper is bad input (exit 2) rather than a failure of every image. Once per
 * helper and registry: the pool reuses the answers.
 */
async function checkCredentialHelpers(security: CredentialStore, rules: ReadonlyArray<Rule | RuleV2>): Promise<void> {
  const places = rules.flatMap((r) => [
    [r.source.registry, r.source.repository],
    [r.target.registry, 'version' in r ? '' : r.target.repository],
  ]);
  const results = await Promise.allSettled(places.map(([registry, repository]) => security.lookup(registry!, repository!).deferred?.()));
  const failures = results.flatMap((r) => (r.status === 'rejected' && r.reason instanceof CredentialHelperError ? [r.reason.message] : []));
  if (failures.length) throw new UsageError([...new Set(failures)].join('\n'));
}
