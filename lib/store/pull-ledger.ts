import { z } from 'zod';

/** At most `pulls` manifest GETs on `registry` in any `windowSeconds`, all workers of all runs together. */
export const PullBudgetPolicy = z.strictObject({
  registry: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9.:[\]-]+$/, 'a registry host, e.g. docker.io'),
  pulls: z.number().int().min(1).max(10_000),
  windowSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400),
  /** How long one pull may wait for a token before its image fails with QUOTA_EXHAUSTED. @default 60 */
  maxWaitSeconds: z.number().int().min(0).max(900).default(60),
});
export type PullBudgetPolicy = z.infer<typeof PullBudgetPolicy>;

export type Claim = { readonly granted: true } | { readonly granted: false; readonly retryAt: number };

/**
 * Port: the ledger of pull tokens that every worker shares. Contract: `claim` grants a token only if
 * the grant keeps every interval of `windowSeconds` at or under `pulls` grants, counting grants made by
 * any process, and it is atomic across processes (two workers can never both get the last token).
 * When it refuses, `retryAt` (local epoch ms) is the earliest moment a token can free up.
 */
export interface PullLedger {
  claim(policy: PullBudgetPolicy, signal?: AbortSignal): Promise<Claim>;
}
