import { z } from 'zod';
import { workerKeys, type ObjectStore } from '../../store/index.js';
import { WORKER_LEASE_MS, WORKER_RESTART_BACKOFF_MS } from '../../util/limits.js';
import { readJson } from './run-state.js';

/**
 * The record of one TDMQ-CMQ worker slot (`workers/<slot>.json`). There are IT_WORKERS slots; whoever starts a
 * worker (the planner after a plan, the restart timer, a worker handing on) claims a free slot first, so no
 * more than IT_WORKERS workers run, however often the timer fires. A worker that cannot receive records why.
 */
export const WorkerLease = z.object({
  slot: z.number().int().min(0),
  /** starting: claimed, invocation sent; running: receiving; failed: gave up receiving; stopped: queue empty or out of generations. */
  state: z.enum(['starting', 'running', 'failed', 'stopped']),
  /** Epoch ms: a starting or running slot is taken until then. */
  until: z.number(),
  /** When this record was written (ISO 8601). */
  at: z.string(),
  generation: z.number().int().min(0),
  /** Failed receives in a row (state failed). */
  receiveFailures: z.number().int().min(0).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type WorkerLease = z.infer<typeof WorkerLease>;

export async function readWorkerLeases(store: ObjectStore): Promise<WorkerLease[]> {
  const leases = await Promise.all((await store.list(workerKeys.all)).map((k) => readJson(store, k, WorkerLease)));
  return leases.filter((l) => l !== undefined);
}

export function recordWorker(store: ObjectStore, lease: WorkerLease): Promise<void> {
  return store.put(workerKeys.slot(lease.slot), JSON.stringify(lease), 'application/json');
}

/** The lease a live worker holds from `now`, renewed before each receive, never past its invocation's end. */
export function runningLease(slot: number, generation: number, endsAt: number, now = Date.now()): WorkerLease {
  return { slot, state: 'running', until: Math.min(endsAt, now + WORKER_LEASE_MS), at: new Date(now).toISOString(), generation };
}

/**
 * Slots (of `wanted`) that need a worker now: never taken, released (stopped), lease expired (the worker died),
 * or failed longer than WORKER_RESTART_BACKOFF_MS ago. Each is claimed (state starting) before it is returned.
 */
export async function claimFreeSlots(store: ObjectStore, wanted: number, now = Date.now()): Promise<number[]> {
  const bySlot = new Map((await readWorkerLeases(store)).map((l) => [l.slot, l]));
  const free: number[] = [];
  for (let slot = 0; slot < wanted; slot++) {
    const l = bySlot.get(slot);
    const taken = l && (l.state === 'starting' || l.state === 'running') && l.until > now;
    const backingOff = l?.state === 'failed' && now - Date.parse(l.at) < WORKER_RESTART_BACKOFF_MS;
    if (!taken && !backingOff) free.push(slot);
  }
  for (const slot of free) await recordWorker(store, { slot, state: 'starting', until: now + WORKER_LEASE_MS, at: new Date(now).toISOString(), generation: 0 });
  return free;
}

/** What the run status can show about the queue's workers: how many hold a live lease, and which failed. */
export async function workerHealth(store: ObjectStore, now = Date.now()): Promise<{ live: number; failed: WorkerLease[] }> {
  const leases = await readWorkerLeases(store);
  return {
    live: leases.filter((l) => (l.state === 'starting' || l.state === 'running') && l.until > now).length,
    failed: leases.filter((l) => l.state === 'failed'),
  };
}
