import { imageCreated } from '../../copy/index.js';
import { listRepositories, listTags, type RegistryPool } from '../../registry/index.js';
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
