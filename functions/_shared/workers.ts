import { claimFreeSlots } from '../../lib/usecases/index.js';
import type { Wiring } from './wiring.js';

/** Starts a TDMQ-CMQ worker in each free slot (at most IT_WORKERS in all, see claimFreeSlots); the slots started. */
export async function startWorkers(w: Wiring): Promise<number[]> {
  const slots = await claimFreeSlots(w.store, w.env.IT_WORKERS);
  for (const slot of slots) await w.invoke(w.env.IT_TRANSFER_FUNCTION, { worker: { slot, generation: 0 } });
  return slots;
}
