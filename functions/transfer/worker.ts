import type { ReceivedTask } from '../../lib/queue/index.js';
import type { TaskResult } from '../../lib/report/index.js';
import { isUnfinished, recordWorker, runningLease } from '../../lib/usecases/index.js';
import { CodedError, codeOf, messageOf } from '../../lib/util/errors.js';
import { MAX_WORKER_GENERATIONS, WORKER_RECEIVE_ATTEMPTS, WORKER_RECEIVE_BACKOFF_MAX_MS, WORKER_RECEIVE_BACKOFF_MS } from '../../lib/util/limits.js';
import { redact } from '../../lib/util/redact.js';
import { sleep } from '../../lib/util/sleep.js';
import { forMessage, type Deadline } from '../_shared/deadline.js';
import type { Wiring } from '../_shared/wiring.js';

export type RunTask = (task: ReceivedTask['task'], attempt: number, deadline: Deadline) => Promise<TaskResult>;

/** Extra lease time past the soft deadline: the margin in which the worker finishes and hands on. */
const HAND_ON_MS = 60_000;

/**
 * One receive, retried WORKER_RECEIVE_ATTEMPTS times with backoff; undefined when the queue is empty or the
 * deadline came. A receive that keeps failing (credentials, signature, endpoint, queue name) throws.
 */
async function receiveOne(w: Wiring, deadline: Deadline): Promise<ReceivedTask | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await w.source!.receive(1, 5, deadline.signal))[0];
    } catch (err) {
      if (deadline.signal.aborted) return undefined;
      if (attempt >= WORKER_RECEIVE_ATTEMPTS)
        throw new CodedError('QUEUE_RECEIVE_FAILED', `the worker could not receive from the queue (${attempt} attempts): ${messageOf(err)}`, { cause: err });
      const full = Math.min(WORKER_RECEIVE_BACKOFF_MS * 2 ** (attempt - 1), WORKER_RECEIVE_BACKOFF_MAX_MS);
      console.warn(`receive failed (attempt ${attempt} of ${WORKER_RECEIVE_ATTEMPTS}): ${redact(messageOf(err))}`);
      await sleep(full / 2 + Math.random() * (full / 2), deadline.signal).catch(() => undefined);
    }
  }
}

/**
 * Receive, transfer, delete, until the queue is empty or the deadline nears. A task stops before its message
 * becomes visible again (see forMessage), so no two live workers run it at once; the queue's VisibilityTimeout
 * should exceed the function's timeout, or long images never finish. The slot's lease is renewed before each receive.
 */
async function drain(w: Wiring, slot: number, generation: number, deadline: Deadline, runTask: RunTask): Promise<{ processed: number; more: boolean }> {
  let processed = 0;
  let warned = false;
  while (!deadline.signal.aborted) {
    await recordWorker(w.store, runningLease(slot, generation, deadline.at + HAND_ON_MS));
    const message = await receiveOne(w, deadline);
    if (!message) return { processed, more: deadline.signal.aborted };
    const own = forMessage(deadline, message.visibleUntil);
    if (own.at < deadline.at && !warned) {
      warned = true;
      console.warn(
        `the queue hides a received message for less time than this invocation has left: tasks stop ${Math.round((own.at - Date.now()) / 1000)} s after receipt; set the queue's VisibilityTimeout above the transfer function's timeout`,
      );
    }
    const result = await runTask(message.task, message.deliveries, own);
    // unfinished work is not deleted: the message comes back after its visibility timeout. A failed
    // delete (the receipt expired) leaves it to come back too; its next run finds the image in place.
    if (!isUnfinished(result))
      await message
        .ack()
        .catch((err: unknown) => console.warn(`message of task ${message.task.taskId} not deleted, it will be delivered again: ${(err as Error).message}`));
    processed += 1;
  }
  return { processed, more: true };
}

/**
 * A TDMQ-CMQ worker in `slot`: drains the queue, then hands on to a fresh invocation of itself while work
 * remains (at most MAX_WORKER_GENERATIONS times; then the restart timer takes the slot over). A worker that
 * cannot receive records the failure in its slot (`workers/<slot>.json`, read by workerHealth) and fails.
 */
export async function runWorker(
  w: Wiring,
  slot: number,
  generation: number,
  deadline: Deadline,
  runTask: RunTask,
): Promise<{ processed: number; more: boolean }> {
  const at = () => new Date().toISOString();
  let outcome: { processed: number; more: boolean };
  try {
    outcome = await drain(w, slot, generation, deadline, runTask);
  } catch (err) {
    const error = { code: codeOf(err) ?? 'QUEUE_RECEIVE_FAILED', message: redact(messageOf(err)) };
    await recordWorker(w.store, { slot, state: 'failed', until: 0, at: at(), generation, receiveFailures: WORKER_RECEIVE_ATTEMPTS, error });
    throw err;
  }
  if (outcome.more && generation + 1 < MAX_WORKER_GENERATIONS) {
    await recordWorker(w.store, { slot, state: 'starting', until: Date.now() + HAND_ON_MS + 60_000, at: at(), generation: generation + 1 });
    await w.invoke(w.env.IT_TRANSFER_FUNCTION, { worker: { slot, generation: generation + 1 } });
  } else await recordWorker(w.store, { slot, state: 'stopped', until: 0, at: at(), generation });
  return outcome;
}
