import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { ConfigError, loadConfigFile } from '../rules/index.js';
import type { FunctionCode } from './plan.js';
import { Deployment, FUNCTION_ROLES, type DeploymentInput, type FunctionRole } from './schema.js';

function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (Array.isArray(over) || typeof over !== 'object' || over === null || typeof base !== 'object' || base === null || Array.isArray(base)) return over;
  // a different `kind` (e.g. queue: scf-async -> tdmq-cmq) is a different object, not an amendment
  if ('kind' in over && (over as { kind: unknown }).kind !== (base as { kind?: unknown }).kind) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
  return out;
}

/** The description from serverless.ts, with a YAML file's values laid over it (objects merge, lists and objects of another `kind` replace). */
export async function resolveDeployment(description: DeploymentInput, overridesFile?: string): Promise<Deployment> {
  const overrides = overridesFile ? (await loadConfigFile(overridesFile)).value : undefined;
  const parsed = Deployment.safeParse(merge(description, overrides));
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((i) => ({ file: overridesFile ?? 'serverless.ts', key: i.path.join('.'), message: i.message })));
}

/** The zips `npm run build` wrote, with the sha256 of each bundle (used to detect code changes). */
export function readCode(distDir = 'dist/functions'): Record<FunctionRole, FunctionCode> {
  return Object.fromEntries(
    FUNCTION_ROLES.map((role) => {
      const bundle = readFileSync(`${distDir}/${role}/index.js`);
      return [role, { zipBase64: readFileSync(`${distDir}/${role}.zip`).toString('base64'), sha256: createHash('sha256').update(bundle).digest('hex') }];
    }),
  ) as Record<FunctionRole, FunctionCode>;
}
