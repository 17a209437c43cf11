import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { CheckpointStore, UploadCheckpoint } from '../../oci/index.js';
import { checkpointKeys, type ObjectStore } from '../../store/index.js';

const Checkpoint = z.strictObject({ key: z.string(), location: z.string().url(), offset: z.number().int().nonnegative() });

/**
 * Upload checkpoints kept in a ObjectStore (the report directory locally, the COS bucket in SCF), so a
 * large blob interrupted in one process or invocation continues in the next. A cleared checkpoint is
 * stored empty: ObjectStore has no delete, and an empty body reads as "none".
 */
export function checkpointsIn(store: ObjectStore): CheckpointStore {
  const keyOf = (key: string): string => checkpointKeys.of(createHash('sha256').update(key).digest('hex').slice(0, 32));
  return {
    async get(key: string): Promise<UploadCheckpoint | undefined> {
      const text = await store.get(keyOf(key));
      if (!text) return undefined;
      const parsed = Checkpoint.safeParse(JSON.parse(text));
      return parsed.success && parsed.data.key === key ? { location: parsed.data.location, offset: parsed.data.offset } : undefined;
    },
    async put(key: string, checkpoint: UploadCheckpoint): Promise<void> {
      await store.put(keyOf(key), JSON.stringify({ key, ...checkpoint }), 'application/json');
    },
    async delete(key: string): Promise<void> {
      await store.put(keyOf(key), '', 'application/json');
    },
  };
}
