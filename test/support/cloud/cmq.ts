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
  const query = Object.keys(params).filter((k) => k !== 'Signature').sort().map((k) => `${k}=${params[k]}`).join('&');
  const algo = params.SignatureMethod === 'HmacSHA1' ? 'sha1' : 'sha256';
  const expected = createHmac(algo, secretKey).update(`POST${host}/v2/index.php?${query}`).digest('base64');
  return expected === params.Signature ? undefined : 'signature mismatch';
}

/** In-memory TDMQ-CMQ queues with visibility timeouts, long polling and dead-lettering after max receives. */
export class CmqModel {
  readonly queues = new Map<string, { config: QueueConfig; messages: Message[] }>();
  readonly deleted: string[] = [];
  /** Deliveries per message id, kept after deletion (to see redeliveries). */
  readonly deliveries = new Map<string, number>();

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
  receive(name: string, max: number): Array<{ msgId: string; msgBody: string; receiptHandle: string; dequeueCount: number }> {
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
      out.push({ msgId: m.id, msgBody: m.body, receiptHandle: m.receipt, dequeueCount: m.dequeueCount });
    }
    return out;
  }

  delete(name: string, receipt: string): boolean {
    const q = this.queue(name);
    const i = q.messages.findIndex((m) => m.receipt === receipt);
    if (i < 0) return false;
    this.deleted.push(q.messages[i]!.id);
    q.messages.splice(i, 1);
    return true;
  }

  depth(name: string): number {
    return this.queue(name).messages.length;
  }
}
