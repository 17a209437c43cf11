import { formatEndpoint, type TransferTask } from '../planner/index.js';
import { accessFrom, RegistryPool, type CredentialSource } from '../registry/index.js';
import { retryLine } from './retry-line.js';
import {
  aggregateReport,
  failedRulePairs,
  formatBytes,
  formatDuration,
  hintText,
  renderSummary,
  type PlanFailure,
  type RunReport,
  type TaskResult,
} from '../report/index.js';
import { formatRuleFile, formatRuleFileV2, type RuleV2 } from '../rules/index.js';
import type { CredentialStore } from '../credentials/index.js';
import { FsObjectStore, localRunKeys } from '../store/index.js';
import { estimatePlan, failedRulesV2, runTasks, transferSources, writeRunReport, type PlanEstimate } from '../usecases/index.js';
import { escapeControl } from '../util/escape-control.js';
import type { Logger } from '../util/logger.js';
import { planningConcurrency, lookaheadSwitch, type RunContext } from './context.js';
import type { TtyProgress } from './progress.js';

// A plan in hand, from a rule file or from the CCR inventory: copy it (or print it) and report.

/**
 * The registry pool of a CLI run; `override` replaces the access of chosen registries (TCR tokens);
 * `warm`: connections per registry to open with its first request (RegistryOptions.warm).
 */
export function poolFor(ctx: RunContext, security: CredentialStore, override?: (registry: string) => CredentialSource | undefined, warm = 0): RegistryPool {
  const pacedRegistries = new Set<string>();
  return new RegistryPool(
    accessFrom((registry, repository) => ({ ...security.lookup(registry, repository), source: security.sourceOf(registry, repository) }), { override }),
    {
      qps: ctx.options.qps,
      warm,
      onRetry: (e) => {
        ctx.logger.warn(retryLine(e));
        ctx.imagesInFlight.pushback();
      },
      quota: {
        reserve: ctx.options.pullReserve,
        maxWaitMs: ctx.options.pullMaxWait * 1000,
        // once per registry and run: a paced run waits window after window, and says so once
        onPacing: (e) =>
          !pacedRegistries.has(e.registry) &&
          pacedRegistries.add(e.registry) &&
          ctx.logger.warn(
            `${e.registry}: ${e.remaining} of ${e.limit ?? '?'} pulls left, ${e.reserve} kept in reserve (--pull-reserve): pacing manifest GETs, next at ${new Date(e.nextAt).toISOString()}`,
          ),
      },
    },
  );
}

/** Plan in hand: print it (dry run) or copy, then report. Returns the exit status. */
export async function executePlan(
  ctx: RunContext,
  pool: RegistryPool,
  /** `checked`: the rules a failed registry check stopped (already reported, one line per registry). */
  plan: { runId: string; startedAt: Date; tasks: TransferTask[]; planFailures: PlanFailure[]; checked?: PlanFailure[]; rulesV2?: RuleV2[] },
): Promise<number> {
  const { options, logger } = ctx;
  for (const f of plan.planFailures) {
    const hint = f.error.hint ? ` (${hintText(f.error.hint)})` : '';
    logger.error(`cannot plan ${f.rule.source} -> ${f.rule.target}: ${f.error.message}${hint}`);
  }
  const planFailures = [...(plan.checked ?? []), ...plan.planFailures];
  if (options.dryRun || options.estimate) return printPlan(ctx, pool, plan.tasks, planFailures.length);
  logger.info('Start to handle transfer jobs, please wait ...');
  const results = await transfer(ctx, pool, plan.tasks);
  const report = aggregateReport({
    runId: plan.runId,
    version: ctx.version,
    startedAt: plan.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    results,
    planFailures,
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
  const reviewLookahead = lookaheadSwitch(ctx.imagesInFlight, options.routines, () => pool.slowestRoundTripMs(), logger);
  reviewLookahead();
  let done = 0;
  try {
    return await runTasks(transferSources(pool, { blobConcurrency: options.blobConcurrency, verify: options.verify }), tasks, {
      routines: ctx.imagesInFlight,
      retry: options.retry,
      signal: ctx.signal,
      onStart: (task) => {
        progress?.start(task, `${formatEndpoint(task.source)} -> ${formatEndpoint(task.target)}`);
        logger.debug(`start ${formatEndpoint(task.source)} -> ${formatEndpoint(task.target)}`);
      },
      observerFor: (task) => (event) => {
        progress?.event(task, event);
        if (event.type !== 'retry') return;
        logger.warn(`retry ${event.attempt} of blob ${event.digest} for ${task.rule.source}: ${event.reason}`);
        ctx.imagesInFlight.pushback();
      },
      onRetryPass: (pass, passes, count) => logger.warn(`retrying ${count} failed image(s): pass ${pass} of ${passes} (--retry)`),
      onRegistryDown: (d) =>
        logger.error(`${d.registry}: ${d.failure.error?.hint?.cause ?? d.failure.error?.message}; ${d.notAttempted} image(s) not attempted`),
      onResult: (result) => {
        if (result.attempts <= 1) done += 1;
        reviewLookahead();
        progress?.finish(result);
        logResult(logger, result, result.attempts <= 1 ? `[${done}/${tasks.length}]` : `[retry ${result.attempts - 1}]`);
      },
    });
  } finally {
    progress?.stop();
    ctx.setLogSink(undefined);
  }
}

function logResult(logger: Logger, r: TaskResult, counter: string): void {
  const head = `${counter} ${r.status} ${r.source} -> ${r.target}`;
  if (r.status === 'failed') {
    const hint = r.error?.hint ? ` (${hintText(r.error.hint)})` : '';
    logger.error(`${head}: ${r.error?.message ?? 'unknown error'}${hint}`);
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
  const estimate = mode
    ? await estimatePlan({ repository: (r, repo) => pool.repository(r, repo) }, tasks, mode, {
        concurrency: planningConcurrency(ctx.options),
        signal: ctx.signal,
      })
    : undefined;
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
    const bytes = s.bytes
      ? `; ${formatBytes(s.bytes.moved)} to move (${s.blobs!.moved} blobs), ${formatBytes(s.bytes.mounted)} mounted, ${formatBytes(s.bytes.present)} already present; the estimate itself used ${s.estimatePulls} pull(s)`
      : '';
    return `  ${s.registry}: ${s.images} image(s), ${s.upToDate} up to date, ${s.toCopy} to copy; ${pulls}${bytes}`;
  });
  const failed = e.failures.map((f) => escapeControl(`  cannot estimate ${f.task}: ${f.message}`));
  return `estimate (${e.mode === 'full' ? 'HEADs, manifest GETs and blob HEADs' : 'HEADs only, no pulls spent'}):\n${[...lines, ...failed].join('\n')}\n`;
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
