import { ConfigError, loadRuleFile, type Rule, type RuleV2 } from '../rules/index.js';
import { CredentialHelperError, loadSecurityFile, type CredentialStore } from '../credentials/index.js';
import { checkPlanFailures, checkRegistryAccess, newRunId, planRun, planSources, type AccessCheckFailure } from '../usecases/index.js';
import { hintText } from '../report/index.js';
import type { Logger } from '../util/logger.js';
import { planningConcurrency, type RunContext } from './context.js';
import { executePlan, poolFor } from './execute-plan.js';
import { UsageError } from './usage-error.js';

/** The flat original form: load and validate everything, plan, copy, report. Returns the exit status. */
export async function runCommand(ctx: RunContext): Promise<number> {
  const { options, logger } = ctx;
  if (!options.ruleFile) throw new UsageError('--ruleFile is required (a rule file of "source: target" entries); see --help.');
  const startedAt = new Date();
  const runId = newRunId(startedAt);
  const [security, rules] = await allOrConfigError([
    loadSecurityFile(options.securityFile, { env: ctx.env }),
    loadRuleFile(options.ruleFile, { defaultRegistry: options.registry, defaultNamespace: options.ns }),
  ] as const);
  await checkCredentialHelpers(security, rules);
  // the first wave's requests per registry: every rule names at least one image, whose blob HEADs and
  // upload POSTs go out up to --blob-concurrency at once
  const pool = poolFor(ctx, security, undefined, options.dryRun ? 0 : rules.length * options.blobConcurrency);
  try {
    logger.info(`run ${runId}: ${rules.length} rule(s) from ${options.ruleFile}`);
    const check = await checkRegistryAccess(
      { checkAccess: (r, repo, signal) => pool.client(r, repo).checkAccess(signal), credentialSource: (r, repo) => pool.credentialSource(r, repo) },
      rules,
      { signal: ctx.signal, concurrency: planningConcurrency(options) },
    );
    for (const f of check.failed) logCheckFailure(logger, f);
    const plan = await planRun(
      planSources(() => pool),
      check.passed,
      {
        runId,
        tagExistOverridden: options.tagExistOverridden,
        signal: ctx.signal,
        concurrency: planningConcurrency(options),
      },
    );
    const rulesV2 = rules.filter((r): r is RuleV2 => 'version' in r);
    const checked = checkPlanFailures(check.failed);
    return await executePlan(ctx, pool, { runId, startedAt, ...plan, ...(checked.length ? { checked } : {}), ...(rulesV2.length ? { rulesV2 } : {}) });
  } finally {
    await pool.close();
  }
}

const SHOWN_RULES = 10;

/** One line per registry that failed its check: what failed, the hint, and the rules it stops. */
function logCheckFailure(logger: Logger, f: AccessCheckFailure): void {
  const hint = f.error.hint ? ` (${hintText(f.error.hint)})` : '';
  const shown = f.rules.slice(0, SHOWN_RULES).map((r) => `${r.sourceText} -> ${r.targetText}`);
  const more = f.rules.length > SHOWN_RULES ? `, and ${f.rules.length - SHOWN_RULES} more` : '';
  logger.error(`registry check failed: ${f.error.message}${hint}; ${f.rules.length} rule(s) not run: ${shown.join(', ')}${more}`);
}

/** Like Promise.all, but the problems of every file are reported together. */
export async function allOrConfigError<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failures = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length === 0) return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
  const configErrors = failures.filter((f): f is ConfigError => f instanceof ConfigError);
  if (configErrors.length !== failures.length) throw failures.find((f) => !(f instanceof ConfigError));
  throw new ConfigError(configErrors.flatMap((e) => e.issues));
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
