import type { TransferTask } from '../planner/index.js';
import { CodedError, type CodesOf } from '../util/errors.js';

/** A task taken from a queue; `ack` removes it, otherwise it comes back after the visibility timeout. */
export interface ReceivedTask {
  readonly task: TransferTask;
  /** How many times the queue has handed this message out (1 on first delivery). */
  readonly deliveries: number;
  /**
   * Epoch ms until which no other consumer can receive this message, when the queue says (TDMQ-CMQ).
   * Work on the task must end before it: past it the task is delivered again, and CMQ cannot extend it.
   */
  readonly visibleUntil?: number;
  ack(): Promise<void>;
}

/**
 * Where the planner puts tasks. Contract: `send` resolves once every task is durably queued (or
 * handed to a platform that retries on its own); delivery is at-least-once, so consumers must be
 * idempotent (transferOne is: it checks the destination digest first).
 */
export interface TaskSink {
  send(tasks: readonly TransferTask[], signal?: AbortSignal): Promise<void>;
}

/** Pull side, for queues that workers drain (in-process, TDMQ-CMQ). */
export interface TaskSource {
  /** Up to `max` tasks, waiting up to `waitSeconds` for the first one (long poll); [] when empty. */
  receive(max: number, waitSeconds: number, signal?: AbortSignal): Promise<ReceivedTask[]>;
}

export class QueueError extends CodedError<CodesOf<'queue'>> {
  constructor(code: CodesOf<'queue'>, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'QueueError';
  }
}
