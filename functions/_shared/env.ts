import { z } from 'zod';

const list = z
  .string()
  .optional()
  .transform((v) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  );

/**
 * The functions' configuration: names and switches only (SCF caps environment variables at 4 KB and
 * they are visible in the console, so secrets live in SSM or COS and are referenced by name).
 */
export const FunctionEnv = z
  .object({
    IT_REGION: z.string().min(1),
    IT_BUCKET: z.string().regex(/^[a-z0-9-]+-\d+$/, 'expected <name>-<appid>'),
    IT_BUCKET_PREFIX: z.string().default(''),
    IT_QUEUE: z.enum(['tdmq-cmq', 'scf-async']).default('scf-async'),
    IT_CMQ_ENDPOINT: z.string().url().optional(),
    IT_CMQ_QUEUE: z.string().optional(),
    IT_WORKERS: z.coerce.number().int().min(1).max(500).default(4),
    IT_NAMESPACE: z.string().default('default'),
    IT_PLANNER_FUNCTION: z.string().default('image-transfer-planner'),
    IT_TRANSFER_FUNCTION: z.string().default('image-transfer-transfer'),
    /** SSM secret (or, with `cos:` prefix, a key in the bucket) holding the security file. */
    IT_SECURITY: z.string().min(1),
    /** SSM secret holding the HMAC key for signed HTTP calls (IT_AUTH=hmac). */
    IT_API_KEY_SECRET: z.string().optional(),
    /** `hmac`: requests signed with the key in IT_API_KEY_SECRET; `cam`: the Function URL enforces CAM auth. */
    IT_AUTH: z.enum(['hmac', 'cam']).default('hmac'),
    /** Registries allowed to resolve to internal addresses (loopback, link-local): normally none. */
    IT_ALLOW_INTERNAL: list,
    /** Test stand-in for Tencent Cloud: every cloud call goes through this proxy. */
    IT_CLOUD_PROXY: z.string().url().optional(),
  })
  .refine((e) => e.IT_QUEUE !== 'tdmq-cmq' || (e.IT_CMQ_ENDPOINT && e.IT_CMQ_QUEUE), {
    message: 'IT_QUEUE=tdmq-cmq needs IT_CMQ_ENDPOINT and IT_CMQ_QUEUE',
  });
export type FunctionEnv = z.infer<typeof FunctionEnv>;

export function readEnv(env: Record<string, string | undefined>): FunctionEnv {
  const parsed = FunctionEnv.safeParse(env);
  if (!parsed.success) throw new Error(`function configuration: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  return parsed.data;
}
