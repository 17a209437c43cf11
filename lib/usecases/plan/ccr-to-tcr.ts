import {
  ccrHostForRegion,
  createTcrNamespaces,
  createTcrRepositories,
  instanceTokenLogin,
  InventoryError,
  listCcrInventory,
  listTcrNamespaces,
  listTcrRepositories,
  resolveTcrInstance,
  tcrHost as tcrHostOf,
  type CcrApi,
  type CcrInventory,
  type InstanceLogin,
  type InstanceLoginOptions,
  type TcrApi,
} from '../../inventory/index.js';
import { formatEndpoint, taskIdOf, type TransferTask } from '../../planner/index.js';
import type { PlanFailure } from '../../report/index.js';
import { throttleClient, type ApiThrottle } from '../../tencent/index.js';

export interface CcrToTcrDeps {
  /** TCR API client in the CCR region, with the CCR keys (personal-edition actions). */
  readonly ccrApi: CcrApi;
  /** TCR API client in the TCR region, with the TCR keys (enterprise actions). */
  readonly tcrApi: TcrApi;
  /** Wraps both clients when given; leave out when they are throttled already (createCcrTcrClients). */
  readonly throttle?: ApiThrottle;
}

export interface CcrToTcrOptions {
  readonly runId: string;
  readonly ccrRegion: string;
  readonly tcrName: string;
  readonly tcrRegion: string;
  /** Newest N tags per repository; 0 = all. */
  readonly ccrTagNums: number;
  /** false: an existing target tag is left alone (`overwrite: 'never'`). */
  readonly tagExistOverridden: boolean;
  /** Plan and preview only: nothing is created in TCR. */
  readonly dryRun?: boolean;
  /** Source registry host. @default `<prefix>.ccs.tencentyun.com` from ccrRegion (else the API's `Server`) */
  readonly ccrHost?: string;
  /** Target registry host. @default `<tcrName>.tencentcloudcr.com` */
  readonly tcrHost?: string;
  /** Repositories listed, and namespaces/repositories created, at once. @default 5 */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

export interface CcrToTcrPreview {
  readonly namespacesToCreate: string[];
  readonly repositoriesToCreate: string[];
  readonly images: number;
}

export interface CcrToTcrPlan {
  readonly tasks: TransferTask[];
  readonly preview: CcrToTcrPreview;
  /** Repositories that will not be migrated, and why. */
  readonly failures: PlanFailure[];
  readonly ccrHost: string;
  readonly tcrHost: string;
  /** The TCR instance id (for tcrRegistryLogin). */
  readonly registryId: string;
  readonly inventory: CcrInventory;
  /** Registry login for `tcrHost` (tcrRegistryLogin on this instance); no API call until first used. */
  readonly tcrLogin: InstanceLogin;
}

/**
 * CCR personal edition -> TCR enterprise: inventory CCR, resolve the instance, create the missing
 * namespaces (private) and repositories unless dry-run, and plan one task per repository:tag.
 * Listing failures of namespaces or repositories throw (InventoryError); per-repository problems are
 * `failures` and the rest still runs.
 */
export async function planCcrToTcr(deps: CcrToTcrDeps, options: CcrToTcrOptions): Promise<CcrToTcrPlan> {
  const { ccrApi, tcrApi } = apisOf(deps, options.signal);
  const concurrency = options.concurrency ?? 5;
  const inventory = await listCcrInventory(ccrApi, { ccrTagNums: options.ccrTagNums, concurrency, signal: options.signal });
  const ccrHost = options.ccrHost ?? ccrHostForRegion(options.ccrRegion) ?? inventory.server;
  if (!ccrHost) throw new InventoryError('CCR_REGION_UNKNOWN', `--ccrRegion ${options.ccrRegion}: no CCR registry is known for this region`);
  const instance = await resolveTcrInstance(tcrApi, options.tcrName, options.tcrRegion);
  const tcrHost = options.tcrHost ?? tcrHostOf(options.tcrName);
  const [existingNs, existingRepos] = await Promise.all([
    listTcrNamespaces(tcrApi, instance.registryId, options.signal),
    listTcrRepositories(tcrApi, instance.registryId, options.signal),
  ]);
  const namespacesToCreate = inventory.namespaces.filter((n) => !existingNs.has(n));
  const repositoriesToCreate = inventory.repositories.map((r) => r.name).filter((n) => !existingRepos.has(n));
  const paths = { ccrHost, tcrHost };
  const failures = inventory.failures.map((f) => failure(paths, f.repository, 'CCR_INVENTORY_FAILED', f.message));
  const blocked = new Set<string>();
  if (!options.dryRun) {
    const ns = await createTcrNamespaces(tcrApi, instance.registryId, namespacesToCreate, concurrency);
    for (const f of ns.failures) {
      const repos = inventory.repositories.filter((r) => r.name.startsWith(`${f.name}/`)).map((r) => r.name);
      for (const name of repos.length ? repos : [f.name])
        failures.push(failure(paths, name, 'TCR_NAMESPACE_FAILED', `cannot create namespace ${f.name}: ${f.message}`));
      for (const name of repos) blocked.add(name);
    }
    const repos = await createTcrRepositories(
      tcrApi,
      instance.registryId,
      repositoriesToCreate.filter((r) => !blocked.has(r)),
      concurrency,
    );
    for (const f of repos.failures) {
      blocked.add(f.name);
      failures.push(failure(paths, f.name, 'TCR_REPOSITORY_FAILED', `cannot create repository: ${f.message}`));
    }
  }
  const tasks = planTasks(inventory, blocked, { ...paths, runId: options.runId, tagExistOverridden: options.tagExistOverridden });
  return {
    tasks,
    preview: { namespacesToCreate, repositoriesToCreate, images: tasks.length },
    failures,
    ccrHost,
    tcrHost,
    registryId: instance.registryId,
    inventory,
    tcrLogin: instanceTokenLogin(tcrApi, instance.registryId),
  };
}

/**
 * Registry credentials for the TCR host: temporary instance tokens from `CreateInstanceToken`,
 * renewed before they expire. The result is a credential source for the registry client.
 */
export function tcrRegistryLogin(deps: Pick<CcrToTcrDeps, 'tcrApi' | 'throttle'>, registryId: string, options?: InstanceLoginOptions): InstanceLogin {
  const api = deps.throttle ? throttleClient(deps.tcrApi, deps.throttle) : deps.tcrApi;
  return instanceTokenLogin(api, registryId, options);
}

function apisOf(deps: CcrToTcrDeps, signal?: AbortSignal): { ccrApi: CcrApi; tcrApi: TcrApi } {
  if (!deps.throttle) return deps;
  return { ccrApi: throttleClient(deps.ccrApi, deps.throttle, signal), tcrApi: throttleClient(deps.tcrApi, deps.throttle, signal) };
}

function planTasks(
  inventory: CcrInventory,
  blocked: ReadonlySet<string>,
  o: { runId: string; ccrHost: string; tcrHost: string; tagExistOverridden: boolean },
): TransferTask[] {
  const overwrite = o.tagExistOverridden ? 'if-changed' : 'never';
  return inventory.repositories
    .filter((r) => !blocked.has(r.name))
    .flatMap((r) =>
      r.tags.map((tag): TransferTask => {
        const source = { registry: o.ccrHost, repository: r.name, reference: tag };
        const target = { registry: o.tcrHost, repository: r.name, reference: tag };
        return {
          runId: o.runId,
          taskId: taskIdOf(source, target),
          source,
          target,
          overwrite,
          rule: { source: formatEndpoint(source), target: formatEndpoint(target) },
        };
      }),
    );
}

function failure(paths: { ccrHost: string; tcrHost: string }, name: string, code: string, message: string): PlanFailure {
  return { rule: { source: `${paths.ccrHost}/${name}`, target: `${paths.tcrHost}/${name}` }, error: { code, message } };
}
