import { z } from 'zod';

const Counts = z.object({
  copied: z.number().int().nonnegative(),
  mounted: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
});
export type Counts = z.infer<typeof Counts>;

/** A `source: target` pair of a rule file. */
export const RulePair = z.object({ source: z.string(), target: z.string() });
export type RulePair = z.infer<typeof RulePair>;

/** A post-copy check of the target (`--verify`): what was re-checked and what differed. */
export const Verification = z.object({
  status: z.enum(['verified', 'mismatch']),
  /** `manifests` (tags and manifests) or `deep` (also every blob). */
  mode: z.enum(['manifests', 'deep']).optional(),
  /** Manifests and blobs checked. */
  checked: z.number().int().nonnegative(),
  mismatches: z.array(
    z.object({
      reference: z.string(),
      expected: z.string(),
      actual: z.string().optional(),
      what: z.enum(['manifest', 'blob', 'tag']),
    }),
  ),
});
export type Verification = z.infer<typeof Verification>;

/** Signatures, SBOMs and attestations copied with an image (rules with `referrers`). */
export const Referrers = z.object({
  copied: z.number().int().nonnegative(),
  present: z.number().int().nonnegative(),
  /** Listed by the source (an index entry) but not found there. */
  missing: z.number().int().nonnegative(),
  items: z.array(
    z.object({
      subject: z.string(),
      digest: z.string(),
      artifactType: z.string().optional(),
      via: z.enum(['api', 'tag-fallback', 'cosign-tag']),
      tag: z.string().optional(),
      status: z.enum(['copied', 'present', 'missing']),
    }),
  ),
});
export type Referrers = z.infer<typeof Referrers>;

/** The outcome of one image. Written by the transfer step, read by the aggregator: a boundary. */
/** A catalogue entry (lib/report/failures.ts) filled in for the registry that failed. */
export const Hint = z.object({ kind: z.string(), cause: z.string(), fix: z.string() });
export type Hint = z.infer<typeof Hint>;

export const TaskResult = z.object({
  runId: z.string().min(1),
  taskId: z.string().min(1),
  /** Full reference, e.g. `127.0.0.1:5001/proj/app:v1`. */
  source: z.string(),
  target: z.string(),
  status: z.enum(['succeeded', 'skipped', 'failed']),
  /** Why an image was skipped, e.g. `up-to-date`, `tag-exists`. */
  reason: z.string().optional(),
  digest: z.string().optional(),
  mediaType: z.string().optional(),
  platforms: z.array(z.string()).optional(),
  /** The source's digest when a platform subset made the target's (`digest`) differ. */
  sourceDigest: z.string().optional(),
  /** The tag the replaced image was kept under (`backup`). */
  backup: z.object({ tag: z.string(), digest: z.string() }).optional(),
  referrers: Referrers.optional(),
  bytes: Counts,
  blobs: Counts,
  startedAt: z.iso.datetime({ offset: true }),
  durationMs: z.number().nonnegative(),
  attempts: z.number().int().nonnegative(),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      origin: z.enum(['source', 'destination']).optional(),
      op: z.string().optional(),
      /** What probably went wrong and what to do (lib/report/failures.ts); absent when no entry fits. */
      hint: Hint.optional(),
    })
    .optional(),
  /** Present when the run verified its copies (absent in reports written before `--verify`). */
  verification: Verification.optional(),
  /** The single-image rule that re-runs exactly this image (used for failed.yaml). */
  rule: RulePair,
});
export type TaskResult = z.infer<typeof TaskResult>;

/** A rule that could not be expanded into images (e.g. listing its tags failed). */
export const PlanFailure = z.object({
  rule: RulePair,
  error: z.object({ code: z.string(), message: z.string(), hint: Hint.optional() }),
});
export type PlanFailure = z.infer<typeof PlanFailure>;

export const RunTotals = z.object({
  images: z.number().int().nonnegative(),
  succeeded: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  planFailed: z.number().int().nonnegative(),
  bytes: Counts,
  /** Present when any result carries a verification. */
  verification: z.object({ verified: z.number().int().nonnegative(), mismatched: z.number().int().nonnegative() }).optional(),
});
export type RunTotals = z.infer<typeof RunTotals>;

/** One run, as stored in `report.json`. */
export const RunReport = z.object({
  runId: z.string().min(1),
  tool: z.object({ name: z.literal('image-transfer'), version: z.string() }),
  startedAt: z.iso.datetime({ offset: true }),
  finishedAt: z.iso.datetime({ offset: true }),
  durationMs: z.number().nonnegative(),
  status: z.enum(['succeeded', 'failed', 'interrupted']),
  totals: RunTotals,
  /** Failed first, then by source. */
  results: z.array(TaskResult),
  planFailures: z.array(PlanFailure),
});
export type RunReport = z.infer<typeof RunReport>;
