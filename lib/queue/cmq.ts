import { randomInt } from 'node:crypto';
import { HttpTransport } from '../http/index.js';
import pLimit from 'p-limit';
import { CMQ_SEND_CONCURRENCY, MAX_CMQ_REPLY_BYTES } from '../util/limits.js';
import { z } from 'zod';
import { TransferTask } from '../planner/index.js';
import type { CredentialProvider } from '../tencent/index.js';
import { cmqSignature } from './cmq-signature.js';
import { QueueError, type ReceivedTask, type TaskSink, type TaskSource } from './port.js';

/** CMQ limits: 16 messages and 64 KB of bodies per batch send; 16 per batch receive; 30 s long poll. */
const BATCH_MESSAGES = 16;
const BATCH_BYTES = 64 * 1024;
const PATH = '/v2/index.php';

const Reply = z.looseObject({ code: z.number(), message: z.string().optional(), requestId: z.string().optional() });
const Received = z.looseObject({
  msgInfoList: z
    .array(z.looseObject({ msgBody: z.string(), receiptHandle: z.string(), dequeueCount: z.number().optional(), nextVisibleTime: z.number().optional() }))
    .optional(),
});

export interface CmqOptions {
  /** The queue's data-plane endpoint, e.g. `http://gz.mqadapter.cmq.tencentyun.com` (from the console). */
  readonly endpoint: string;
  readonly queueName: string;
  readonly credential: CredentialProvider;
}

/** TDMQ for CMQ through its data-plane HTTP API (batch send, long-poll receive, delete). */
export class CmqQueue implements TaskSink, TaskSource {
  private readonly url: URL;
  private readonly http = new HttpTransport({ connections: 8, connectMs: 30_000, headersMs: 45_000, bodyIdleMs: 45_000, keepAliveMs: 10_000 });

  constructor(private readonly options: CmqOptions) {
    this.url = new URL(PATH, options.endpoint);
  }

  private async call(action: string, params: Record<string, string>, signal?: AbortSignal): Promise<unknown> {
    const c = await this.options.credential.getCredential();
    const all: Record<string, string> = {
      ...params,
      Action: action,
      SecretId: c.secretId,
      Timestamp: String(Math.floor(Date.now() / 1000)),
      Nonce: String(randomInt(1, 2 ** 31 - 1)),
      SignatureMethod: 'HmacSHA256',
      ...(c.token ? { Token: c.token } : {}),
    };
    all.Signature = cmqSignature(this.url.host, PATH, all, c.secretKey, 'HmacSHA256');
    const res = await this.http.request({
      origin: this.url.origin,
      path: this.url.pathname,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(new URLSearchParams(all).toString()),
      signal,
    });
    const json = await res.body.json(MAX_CMQ_REPLY_BYTES).catch((err: Error) => {
      throw new QueueError('QUEUE_RECEIVE_FAILED', `CMQ ${action}: ${err.message}`);
    });
    const reply = Reply.safeParse(json);
    if (!reply.success) throw new QueueError('QUEUE_RECEIVE_FAILED', `CMQ ${action}: unexpected reply (HTTP ${res.statusCode})`);
    // 7000 = no message (ReceiveMessage); anything else non-zero is an error
    if (reply.data.code !== 0 && reply.data.code !== 7000) {
      throw new QueueError(
        action.includes('Receive') ? 'QUEUE_RECEIVE_FAILED' : 'QUEUE_SEND_FAILED',
        `CMQ ${action} failed: ${reply.data.code} ${reply.data.message ?? ''} (${reply.data.requestId ?? ''})`,
      );
    }
    return json;
  }

  /** Batches go out CMQ_SEND_CONCURRENCY at a time; resolves once every batch is accepted (or rejects with the first failure). */
  async send(tasks: readonly TransferTask[], signal?: AbortSignal): Promise<void> {
    const batches: string[][] = [];
    let batch: string[] = [];
    let bytes = 0;
    for (const task of tasks) {
      const body = JSON.stringify(task);
      const size = Buffer.byteLength(body);
      if (batch.length === BATCH_MESSAGES || (batch.length && bytes + size > BATCH_BYTES)) {
        batches.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(body);
      bytes += size;
    }
    if (batch.length) batches.push(batch);
    const limit = pLimit(CMQ_SEND_CONCURRENCY);
    await Promise.all(
      batches.map((bodies) =>
        limit(() => {
          const params: Record<string, string> = { queueName: this.options.queueName, delaySeconds: '0' };
          for (const [i, body] of bodies.entries()) params[`msgBody.${i}`] = body;
          return this.call('BatchSendMessage', params, signal);
        }),
      ),
    );
  }

  async receive(max: number, waitSeconds: number, signal?: AbortSignal): Promise<ReceivedTask[]> {
    const json = await this.call(
      'BatchReceiveMessage',
      {
        queueName: this.options.queueName,
        numOfMsg: String(Math.min(Math.max(1, max), BATCH_MESSAGES)),
        pollingWaitSeconds: String(Math.min(30, waitSeconds)),
      },
      signal,
    );
    const list = Received.parse(json).msgInfoList ?? [];
    return list.map((m) => {
      const parsed = TransferTask.safeParse(JSON.parse(m.msgBody));
      if (!parsed.success) throw new QueueError('QUEUE_MESSAGE_INVALID', `CMQ message is not a transfer task: ${z.prettifyError(parsed.error)}`);
      return {
        task: parsed.data,
        deliveries: m.dequeueCount ?? 1,
        // Unix seconds: the message may be visible again anywhere in that second, so count from its start
        ...(m.nextVisibleTime ? { visibleUntil: m.nextVisibleTime * 1000 } : {}),
        ack: async () => {
          await this.call('DeleteMessage', { queueName: this.options.queueName, receiptHandle: m.receiptHandle });
        },
      };
    });
  }
}
