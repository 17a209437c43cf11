import { RateLimiter } from '../http/index.js';
import type { TransferTask } from '../planner/index.js';
import type { ScfClient } from '../tencent/clients.js';
import { MAX_SCF_ASYNC_EVENT_BYTES, SCF_INVOKE_QPS } from '../util/limits.js';
import { QueueError, type TaskSink } from './port.js';

export interface InvokeTarget {
  readonly functionName: string;
  readonly namespace?: string;
  readonly qualifier?: string;
}

/**
 * One asynchronous invocation (InvocationType Event) with `event` as its ClientContext. An event over SCF's
 * 128 KB async limit is refused here, naming its size, instead of by the cloud. Throttling is the client's
 * business: the functions' SCF client retries RequestLimitExceeded with backoff (see wiring).
 */
export async function invokeAsync(scf: Pick<ScfClient, 'Invoke'>, target: InvokeTarget, event: unknown): Promise<void> {
  const context = JSON.stringify(event);
  const bytes = Buffer.byteLength(context);
  if (bytes > MAX_SCF_ASYNC_EVENT_BYTES)
    throw new QueueError(
      'QUEUE_SEND_FAILED',
      `the event for ${target.functionName} is ${bytes} bytes; SCF async events are at most ${MAX_SCF_ASYNC_EVENT_BYTES}`,
    );
  await scf.Invoke({
    FunctionName: target.functionName,
    InvocationType: 'Event',
    ClientContext: context,
    ...(target.namespace ? { Namespace: target.namespace } : {}),
    ...(target.qualifier ? { Qualifier: target.qualifier } : {}),
  });
}

/**
 * One asynchronous invocation of the transfer function per task (InvocationType Event): SCF's own
 * durable queue retries failed executions and keeps events up to its TTL, then its dead-letter queue.
 */
export class ScfAsyncSink implements TaskSink {
  private readonly limiter = new RateLimiter(SCF_INVOKE_QPS);

  constructor(
    private readonly scf: Pick<ScfClient, 'Invoke'>,
    private readonly functionName: string,
    private readonly options: { namespace?: string; qualifier?: string } = {},
  ) {}

  async send(tasks: readonly TransferTask[], signal?: AbortSignal): Promise<void> {
    for (const task of tasks) {
      await this.limiter.take(signal);
      try {
        await invokeAsync(this.scf, { functionName: this.functionName, ...this.options }, { task });
      } catch (cause) {
        if (cause instanceof QueueError) throw cause;
        throw new QueueError('QUEUE_SEND_FAILED', `SCF Invoke of ${this.functionName} for ${task.taskId} failed: ${(cause as Error).message}`, { cause });
      }
    }
  }
}
