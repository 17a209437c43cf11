import { z } from 'zod';
import { PullBudgetPolicy } from '../../store/index.js';

/** Options a run carries to the planner and workers (the CLI flags that make sense in the cloud). */
export const RunOptions = z.strictObject({
  /** The original `--tag-exist-overridden`. */
  tagExistOverridden: z.boolean().default(true),
  /** Default target registry and namespace for rules with an empty target. */
  registry: z.string().min(1).optional(),
  ns: z.string().min(1).optional(),
  blobConcurrency: z.number().int().min(1).max(64).default(4),
  /** Re-check each target after its copy: `manifests`, or `deep` (also every blob). */
  verify: z.enum(['off', 'manifests', 'deep']).default('off'),
  /** A pull budget all workers share (published by the planner for workers: see pull-budget.ts). */
  pullBudget: PullBudgetPolicy.optional(),
});
export type RunOptions = z.infer<typeof RunOptions>;

/**
 * What starts a run: rules inline (a rule file's YAML text), a rule file stored under `rulesKey` in the
 * report store, or a stored job (`jobs/<name>.yaml`: `{rules, options}`), e.g. named by a timer's Message.
 */
export const RunRequest = z
  .strictObject({
    rules: z
      .string()
      .min(1)
      .max(256 * 1024)
      .optional(),
    rulesKey: z.string().min(1).optional(),
    job: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/)
      .optional(),
    /** CCR personal edition -> TCR: the account of the function's role, the instance by name. */
    ccr: z
      .strictObject({
        tcrName: z.string().min(1),
        tcrRegion: z.string().min(1),
        ccrRegion: z.string().min(1).default('ap-guangzhou'),
        ccrTagNums: z.number().int().min(0).default(100),
        ccrHost: z.string().min(1).optional(),
        tcrHost: z.string().min(1).optional(),
      })
      .optional(),
    options: RunOptions.default(RunOptions.parse({})),
  })
  .refine((r) => [r.rules, r.rulesKey, r.job, r.ccr].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of "rules" (rule file text), "rulesKey" (a stored rule file), "job" (a stored job name) or "ccr" (a CCR -> TCR migration)',
  });
export type RunRequest = z.infer<typeof RunRequest>;

/** A stored job: `jobs/<name>.yaml`. */
export const JobFile = z.strictObject({
  rules: z.unknown(),
  options: RunOptions.default(RunOptions.parse({})),
});
export type JobFile = z.infer<typeof JobFile>;

/**
 * Where a plan that did not fit in one invocation resumes, stored at `runKeys.planCursor(runId)`: the
 * next rule to expand and the key of the rule text (`runKeys.planRules`). The continuation's async event
 * carries only the cursor's key, so its size does not grow with the rule file (SCF async events are
 * capped at 128 KB).
 */
export const PlanCursor = z.strictObject({
  runId: z.string().regex(/^[A-Za-z0-9._-]{1,80}$/),
  nextRule: z.number().int().min(0),
  slice: z.number().int().min(0),
  rulesKey: z.string().min(1),
  file: z.string(),
  options: RunOptions,
});
export type PlanCursor = z.infer<typeof PlanCursor>;
