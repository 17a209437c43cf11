import { RateLimiter } from '../http/index.js';
import type { TransferTask } from '../planner/index.js';
import type { ScfClient } from '../tencent/clients.js';
import { QueueError, type TaskSink } from './port.js';

/** SCF `Invoke` accepts 100 requests/s; stay below it. */
const INVOKE_QPS = 90;

/**
 * One asynchronous invocation of the transfer function per task (InvocationType Event): SCF's own
 * durable queue retries failed executions and keeps events up to its TTL, then its dead-letter queue.
 */
export class ScfAsyncSink implements TaskSink {
  private readonly limiter = new RateLimiter(INVOKE_QPS);

  constructor(
    private readonly scf: ScfClient,
    private readonly functionName: string,
    private readonly options: { namespace?: string; qualifier?: string } = {},
  ) {}

  async send(tasks: readonly TransferTask[], signal?: AbortSignal): Promise<void> {
    for (const task of tasks) {
      await this.limiter.take(signal);
      try {
        await this.scf.Invoke({
          FunctionName: this.functionName,
          InvocationType: 'Event',
          ClientContext: JSON.stringify({ task }),
          ...(this.options.namespace ? { Namespace: this.options.namespace } : {}),
          ...(this.options.qualifier ? { Qualifier: this.options.qualifier } : {}),
        });
      } catch (cause) {
        throw new QueueError('QUEUE_SEND_FAILED', `SCF Invoke of ${this.functionName} for ${task.taskId} failed: ${(cause as Error).message}`, { cause });
      }
    }
  }
}
