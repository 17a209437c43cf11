import type { TransferTask } from '../planner/index.js';
import type { ReceivedTask, TaskSink, TaskSource } from './port.js';

/** The CLI's queue (and a test double): FIFO in memory, ack is a no-op, nothing is redelivered. */
export class InProcessQueue implements TaskSink, TaskSource {
  private readonly items: TransferTask[] = [];

  async send(tasks: readonly TransferTask[]): Promise<void> {
    this.items.push(...tasks);
  }

  async receive(max: number): Promise<ReceivedTask[]> {
    return this.items.splice(0, max).map((task) => ({ task, deliveries: 1, ack: async () => undefined }));
  }

  get size(): number {
    return this.items.length;
  }
}
