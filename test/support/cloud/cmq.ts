import { createHmac, randomUUID } from 'node:crypto';

interface Message {
  readonly id: string;
  readonly body: string;
  visibleAt: number;
  dequeueCount: number;
  receipt?: string;
}

export interface QueueConfig {
  readonly visibilityTimeoutS: number;
  readonly maxReceiveCount: number;
  readonly deadLetterQueue?: string;
}

/** CMQ v2 signature recomputed independently of the client: HMAC of `POST<host>/v2/index.php?<sorted raw k=v>`. */
export function verifyCmq(host: string, params: Record<string, string>, secrets: Record<string, string>): string | undefined {
  const secretKey = secrets[params.SecretId ?? ''];
  if (!secretKey) return 'secretId not found';
  if (Math.abs(Date.now() / 1000 - Number(params.Timestamp)) > 300) return 'timestamp expired';
  const query = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  const algo = params.SignatureMethod === 'HmacSHA1' ? 'sha1' : 'sha256';
  const expected = createHmac(algo, secretKey).update(`POST${host}/v2/index.php?${query}`).digest('base64');
  return expected === params.Signature ? undefined : 'signature mismatch';
}

/** One hand-out of a message: when, and until when it stays hidden from other consumers. */
export interface Delivery {
  readonly msgId: string;
  readonly dequeueCount: number;
  readonly at: number;
  readonly visibleAt: number;
}

/**
 * In-memory TDMQ-CMQ queues with visibility timeouts, long polling and dead-lettering after max receives.
 * As the data-plane docs say (BatchReceiveMessage, https://cloud.tencent.com/document/product/1496/70958,
 * https://www.tencentcloud.com/document/product/1111/46418): a received message is hidden for the queue's
 * visibilityTimeout, the reply tells its `nextVisibleTime` (Unix seconds), and only the receipt handle of
 * the latest receive deletes it, and only until that visibility timeout runs out. There is no action to
 * extend a message's visibility (the v2 message actions are Send, BatchSend, Receive, BatchReceive,
 * Delete, BatchDelete), so none is modelled.
 */
export class CmqModel {
  readonly queues = new Map<string, { config: QueueConfig; messages: Message[] }>();
  readonly deleted: string[] = [];
  /** Deliveries per message id, kept after deletion (to see redeliveries). */
  readonly deliveries = new Map<string, number>();
  /** Every delivery in order, kept after deletion. */
  readonly log: Delivery[] = [];

  createQueue(name: string, config: QueueConfig): void {
    this.queues.set(name, { config, messages: [] });
  }

  private queue(name: string) {
    const q = this.queues.get(name);
    if (!q) throw Object.assign(new Error(`queue ${name} does not exist`), { cmqCode: 4440 });
    return q;
  }

  send(name: string, bodies: string[]): string[] {
    const q = this.queue(name);
    if (bodies.length > 16) throw Object.assign(new Error('more than 16 messages'), { cmqCode: 4000 });
    if (bodies.reduce((n, b) => n + Buffer.byteLength(b), 0) > 64 * 1024) throw Object.assign(new Error('batch larger than 64 KB'), { cmqCode: 4000 });
    return bodies.map((body) => {
      const id = randomUUID();
      q.messages.push({ id, body, visibleAt: 0, dequeueCount: 0 });
      return id;
    });
  }

  /** Takes up to `max` visible messages; messages past max receives move to the dead-letter queue. */
  receive(name: string, max: number): Array<{ msgId: string; msgBody: string; receiptHandle: string; dequeueCount: number; nextVisibleTime: number }> {
    const q = this.queue(name);
    const now = Date.now();
    const out = [];
    for (const m of [...q.messages]) {
      if (out.length >= max) break;
      if (m.visibleAt > now) continue;
      if (m.dequeueCount >= q.config.maxReceiveCount) {
        q.messages.splice(q.messages.indexOf(m), 1);
        if (q.config.deadLetterQueue) this.queue(q.config.deadLetterQueue).messages.push({ ...m, visibleAt: 0, dequeueCount: 0 });
        continue;
      }
      m.dequeueCount += 1;
      this.deliveries.set(m.id, m.dequeueCount);
      m.visibleAt = now + q.config.visibilityTimeoutS * 1000;
      m.receipt = randomUUID();
      this.log.push({ msgId: m.id, dequeueCount: m.dequeueCount, at: now, visibleAt: m.visibleAt });
      // Unix seconds, as the real reply; rounded down, so it never promises more hidden time than there is
      out.push({ msgId: m.id, msgBody: m.body, receiptHandle: m.receipt, dequeueCount: m.dequeueCount, nextVisibleTime: Math.floor(m.visibleAt / 1000) });
    }
    return out;
  }

  /** Only the latest receipt, and only while the message is still hidden: past it the handle is invalid. */
  delete(name: string, receipt: string): boolean {
    const q = this.queue(name);
    const i = q.messages.findIndex((m) => m.receipt === receipt && m.visibleAt > Date.now());
    if (i < 0) return false;
    this.deleted.push(q.messages[i]!.id);
    q.messages.splice(i, 1);
    return true;
  }

  depth(name: string): number {
    return this.queue(name).messages.length;
  }

  /** Messages a receive would hand out now. */
  visible(name: string): number {
    const now = Date.now();
    return this.queue(name).messages.filter((m) => m.visibleAt <= now).length;
  }
}
