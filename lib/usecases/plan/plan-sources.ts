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
