import { z } from 'zod';

/** The fields of SCF's handler context this project uses (the platform sends more). */
export const ScfContext = z.looseObject({
  request_id: z.string().optional(),
  function_name: z.string().optional(),
  namespace: z.string().optional(),
  time_limit_in_ms: z.number().int().positive().optional(),
  memory_limit_in_mb: z.number().int().positive().optional(),
  tencentcloud_region: z.string().optional(),
});
export type ScfContext = z.infer<typeof ScfContext>;
