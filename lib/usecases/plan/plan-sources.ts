import { BlobCoordinator, imageCreated, type InPlaceVerdicts } from '../../copy/index.js';
import { listRepositories, listTags, type RegistryPool } from '../../registry/index.js';
import type { TransferDeps } from '../transfer/transfer-one.js';
import type { VerifyMode } from '../transfer/verify-step.js';
import type { PlanDeps } from './plan-run.js';

/** What planning reads from source registries, through the run's registry pool (CLI and planner function). */
export function planSources(pool: () => RegistryPool | Promise<RegistryPool>): PlanDeps {
  return {
    listTags: async (registry, repository, signal, onSkipped) => listTags((await pool()).client(registry, repository), repository, signal, onSkipped),
    listRepositories: async (registry, signal, onSkipped) => listRepositories((await pool()).client(registry), signal, onSkipped),
    imageCreated: async (registry, repository, tag, signal) => imageCreated((await pool()).repository(registry, repository), tag, signal),
  };
}

/** listTags through the pool, each repository listed at most once per lister (failure hints of many missing tags). */
export function tagsOnce(pool: RegistryPool): (registry: string, repository: string, signal?: AbortSignal) => Promise<string[]> {
  const listed = new Map<string, Promise<string[]>>();
  return (registry, repository, signal) => {
    const key = `${registry}/${repository}`;
    let tags = listed.get(key);
    if (!tags) listed.set(key, (tags = listTags(pool.client(registry, repository), repository, signal)));
    return tags;
  };
}

/**
 * What a transfer reads and writes through the run's registry pool (the CLI, `serve` and the transfer
 * function): the registries, one blob coordinator, and the failure hints' credential sources and tag lists.
 */
export function transferSources(pool: RegistryPool, options: { blobConcurrency: number; verify?: VerifyMode; inPlace?: InPlaceVerdicts }): TransferDeps {
  return {
    repository: (r, repo) => pool.repository(r, repo),
    coordinator: new BlobCoordinator(options.inPlace),
    blobConcurrency: options.blobConcurrency,
    verify: options.verify ?? 'off',
    credentialSource: (r, repo) => pool.credentialSource(r, repo),
    listTags: tagsOnce(pool),
  };
}
