import { loadSecurityFile } from '../credentials/index.js';
import { ApiThrottle, loadSecretFile } from '../tencent/index.js';
import { createCcrTcrClients } from '../tencent/sdk.js';
import { newRunId, planCcrToTcr } from '../usecases/index.js';
import type { RunContext } from './context.js';
import { executePlan, poolFor } from './execute-plan.js';
import { UsageError } from './usage-error.js';

/**
 * `--ccrToTcr`: every repository and tag of a CCR personal-edition account into a TCR instance, with
 * namespaces and repositories created first and TCR login through temporary instance tokens.
 */
export async function ccrCommand(ctx: RunContext): Promise<number> {
  const { options, logger } = ctx;
  const missing = [!options.secretFile && '--secretFile', !options.securityFile && '--securityFile', !options.tcrName && '--tcrName'].filter(Boolean);
  if (missing.length) throw new UsageError(`--ccrToTcr needs ${missing.join(', ')} (Tencent Cloud API keys, the CCR login and the TCR instance name)`);
  const [credentials, security] = await Promise.all([loadSecretFile(options.secretFile!), loadSecurityFile(options.securityFile, { env: ctx.env })]);
  const throttle = new ApiThrottle({ onRetry: (r) => logger.warn(`Tencent API ${r.action}: retry ${r.attempt} in ${r.delayMs}ms (${r.reason})`) });
  const proxy = ctx.env.IT_CLOUD_PROXY;
  const apis = createCcrTcrClients({
    credentials,
    ccrRegion: options.ccrRegion,
    tcrRegion: options.tcrRegion,
    throttle,
    signal: ctx.signal,
    ...(proxy ? { proxy } : {}),
  });
  const startedAt = new Date();
  const runId = newRunId(startedAt);
  logger.info(`run ${runId}: CCR (${options.ccrRegion}) -> TCR instance ${options.tcrName} (${options.tcrRegion})`);
  const plan = await planCcrToTcr(apis, {
    runId,
    ccrRegion: options.ccrRegion,
    tcrName: options.tcrName!,
    tcrRegion: options.tcrRegion,
    ccrTagNums: options.ccrTagNums,
    tagExistOverridden: options.tagExistOverridden,
    dryRun: options.dryRun,
    ...(options.ccrHost ? { ccrHost: options.ccrHost } : {}),
    ...(options.tcrHost ? { tcrHost: options.tcrHost } : {}),
    signal: ctx.signal,
  });
  const p = plan.preview;
  logger.info(
    `inventory: ${plan.inventory.namespaces.length} namespace(s), ${plan.inventory.repositories.length} repositories, ${p.images} image(s) from ${plan.ccrHost} to ${plan.tcrHost}; ` +
      `${options.dryRun ? 'to create' : 'created'} in TCR: ${p.namespacesToCreate.length} namespace(s), ${p.repositoriesToCreate.length} repositories`,
  );
  const pool = poolFor(ctx, security, (registry) => (registry === plan.tcrHost ? plan.tcrLogin : undefined));
  try {
    return await executePlan(ctx, pool, { runId, startedAt, tasks: plan.tasks, planFailures: plan.failures });
  } finally {
    await pool.close();
  }
}
