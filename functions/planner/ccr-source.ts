import { ccrHost, tcrHost } from '../../lib/inventory/index.js';
import { checkRegistries, newRunId, startPlannedRun, type RunRequest, type StartRunDeps, type StartRunResult } from '../../lib/usecases/index.js';
import { planCcrToTcr } from '../../lib/usecases/index.js';
import type { Wiring } from '../_shared/wiring.js';

/**
 * A run whose source is the CCR account of the function's role: the registry policy is checked on the
 * CCR and TCR hosts before anything is created in TCR; tasks carry the instance for the workers' login.
 */
export async function startCcrRun(w: Wiring, deps: StartRunDeps, request: RunRequest, fromHttp: boolean, signal?: AbortSignal): Promise<StartRunResult> {
  const ccr = request.ccr!;
  const hosts = { ccr: ccr.ccrHost ?? ccrHost(ccr.ccrRegion), tcr: ccr.tcrHost ?? tcrHost(ccr.tcrName) };
  if (fromHttp) await checkRegistries([hosts.ccr, hosts.tcr], (await w.security()).registries, w.env.IT_ALLOW_INTERNAL);
  const runId = newRunId();
  const plan = await planCcrToTcr(w.tcrApis(ccr.ccrRegion, ccr.tcrRegion), {
    runId,
    ccrRegion: ccr.ccrRegion,
    tcrName: ccr.tcrName,
    tcrRegion: ccr.tcrRegion,
    ccrTagNums: ccr.ccrTagNums,
    tagExistOverridden: request.options.tagExistOverridden,
    ccrHost: hosts.ccr,
    tcrHost: hosts.tcr,
    ...(signal ? { signal } : {}),
  });
  const targetLogin = { kind: 'tcr-instance' as const, registryId: plan.registryId, region: ccr.tcrRegion };
  return startPlannedRun(deps, runId, { tasks: plan.tasks.map((t) => ({ ...t, targetLogin })), planFailures: plan.failures }, signal);
}
