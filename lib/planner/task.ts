import { createHash } from 'node:crypto';
import { z } from 'zod';

const Endpoint = z.strictObject({
  registry: z.string().min(1),
  repository: z.string().min(1),
  /** A tag or a digest. */
  reference: z.string().min(1),
});
export type Endpoint = z.infer<typeof Endpoint>;

/**
 * One image to move: the unit of the queue (a message in serverless mode, so it stays far below the
 * 64 KB CMQ / 128 KB SCF-async limits) and of the report.
 */
export const TransferTask = z.strictObject({
  runId: z.string().min(1),
  taskId: z.string().regex(/^[a-f0-9]{16}$/),
  source: Endpoint,
  target: Endpoint,
  /** `never`: leave an existing target tag alone (`--tag-exist-overridden=false` on tag-list rules). */
  overwrite: z.enum(['always', 'never', 'if-changed']),
  /** The single-image rule that re-runs exactly this task (written to failed.yaml). */
  rule: z.strictObject({ source: z.string(), target: z.string() }),
  /**
   * Platforms to keep (`os/arch[/variant]`): an index is rewritten to those entries, so its digest
   * changes. Absent: every platform, digests preserved.
   */
  platforms: z
    .array(z.string().regex(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/))
    .min(1)
    .optional(),
  /** Before a different image replaces the target tag, the old one is tagged with this. */
  backupTag: z.string().min(1).max(128).optional(),
  /** Copy the artifacts attached to the image (signatures, SBOMs, attestations). */
  referrers: z.strictObject({ artifactTypes: z.array(z.string().min(1)).optional() }).optional(),
  /** Re-check the target after the copy (a run's `verify` option, carried to stateless workers). */
  verify: z.enum(['manifests', 'deep']).optional(),
  /** The target is a TCR instance: workers log in with its temporary instance tokens. */
  targetLogin: z.strictObject({ kind: z.literal('tcr-instance'), registryId: z.string().min(1), region: z.string().min(1) }).optional(),
});
export type TransferTask = z.infer<typeof TransferTask>;

export function formatEndpoint(e: Endpoint): string {
  return `${e.registry}/${e.repository}${e.reference.includes(':') ? '@' : ':'}${e.reference}`;
}

/** Deterministic: the same source and target give the same id in every run (idempotent results). */
export function taskIdOf(source: Endpoint, target: Endpoint): string {
  return createHash('sha256')
    .update(`${formatEndpoint(source)} -> ${formatEndpoint(target)}`)
    .digest('hex')
    .slice(0, 16);
}
