import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { CmqModel, verifyCmq } from './cmq.js';
import { handleCos, verifyCosSignature } from './cos.js';
import { SsmModel } from './ssm.js';
import { InvokeLimiter } from './invoke-limits.js';
import { CloudApiError, verifyTc3, type Tc3Handler } from './tc3.js';
import { listen, readBody, stoppable } from '../http-server.js';

export interface CloudFakeOptions {
  /** SecretId -> SecretKey accepted by every service. */
  readonly secrets: Record<string, string>;
  /** Session tokens accepted with temporary credentials. */
  readonly tokens?: readonly string[];
  /** `service.Action` -> handler, e.g. `scf.Invoke`, `ssm.GetSecretValue`. */
  readonly handlers?: Record<string, Tc3Handler>;
  /** COS's clock (LastModified, the Date header), for tests that control it. @default the real clock */
  readonly cosClock?: () => number;
}

export interface CloudFake {
  /** Proxy URL for the Tencent SDKs (`httpProfile.proxy`, COS `Proxy`). */
  readonly proxy: string;
  /** Data-plane endpoint for CMQ. */
  readonly cmqEndpoint: string;
  readonly cmq: CmqModel;
  /** Secrets Manager: `ssm.GetSecretValue` and `ssm.ListSecretVersionIds` are served from it by default. */
  readonly ssm: SsmModel;
  /** SCF Invoke's payload and frequency limits, checked before any `scf.Invoke` handler (tests may lower them). */
  readonly invokeLimits: InvokeLimiter;
  readonly objects: Map<string, Buffer>;
  readonly calls: Array<{ service: string; action: string; ok: boolean; error?: string }>;
  handlers: Record<string, Tc3Handler>;
  /** Bucket-level COS calls (cos-buckets.ts); answers and returns true, or false to serve the object call. */
  cosBuckets?: (req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer) => boolean;
  stop(): Promise<void>;
}

/**
 * One loopback server standing in for Tencent Cloud: the TC3 cloud API (any service, by Host), COS
 * (virtual-hosted `<bucket>.cos.<region>.myqcloud.com`) and the CMQ data plane (`/v2/index.php`).
 * Every request's signature is checked with the configured keys; unsigned or wrongly signed calls fail
 * as the real services answer them. SDKs reach it as an http proxy (CONNECT tunnels are served too).
 */
export async function startCloudFake(options: CloudFakeOptions): Promise<CloudFake> {
  const cmq = new CmqModel();
  const objects = new Map<string, Buffer>();
  const calls: CloudFake['calls'] = [];
  const tokens = new Set(options.tokens ?? []);
  const ssm = new SsmModel();
  const invokeLimits = new InvokeLimiter();
  const fake = { handlers: { ...ssm.handlers(), ...options.handlers } } as Pick<CloudFake, 'handlers' | 'cosBuckets'>;

  const tc3 = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const requestId = crypto.randomUUID();
    const reply = (payload: object) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ Response: { ...payload, RequestId: requestId } }));
    let label = { service: '?', action: String(req.headers['x-tc-action'] ?? '?') };
    try {
      label = verifyTc3(req.headers, body, options.secrets);
      const token = req.headers['x-tc-token'] as string | undefined;
      if (token !== undefined && !tokens.has(token)) throw new CloudApiError('AuthFailure.TokenFailure', 'invalid session token');
      const handler = fake.handlers[`${label.service}.${label.action}`];
      if (!handler) throw new CloudApiError('InvalidAction', `${label.service}.${label.action} is not served by this fake`);
      const params = JSON.parse(body.toString() || '{}');
      if (label.service === 'scf' && label.action === 'Invoke') invokeLimits.check(params);
      const result = await handler(params, { service: label.service, region: req.headers['x-tc-region'] as string, token });
      calls.push({ ...label, ok: true });
      reply(result as object);
    } catch (err) {
      const code = err instanceof CloudApiError ? err.code : 'InternalError';
      calls.push({ ...label, ok: false, error: code });
      reply({ Error: { Code: code, Message: (err as Error).message } });
    }
  };

  const cmqCall = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const params = Object.fromEntries(new URLSearchParams(body.toString()));
    const send = (o: object) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requestId: crypto.randomUUID(), ...o }));
    const bad = verifyCmq(String(req.headers.host), params, options.secrets);
    calls.push({ service: 'cmq', action: params.Action ?? '?', ok: !bad, ...(bad ? { error: bad } : {}) });
    if (bad) return void send({ code: 4100, message: `authentication failed: ${bad}` });
    try {
      const q = params.queueName ?? '';
      if (params.Action === 'BatchSendMessage' || params.Action === 'SendMessage') {
        const bodies = Object.keys(params)
          .filter((k) => /^msgBody(\.\d+)?$/.test(k))
          .sort((a, b) => Number(a.split('.')[1] ?? 0) - Number(b.split('.')[1] ?? 0))
          .map((k) => params[k]!);
        return void send({ code: 0, msgList: cmq.send(q, bodies).map((msgId) => ({ msgId })) });
      }
      if (params.Action === 'BatchReceiveMessage' || params.Action === 'ReceiveMessage') {
        const wait = Math.min(30, Number(params.pollingWaitSeconds ?? 0)) * 1000;
        const started = Date.now();
        const poll = (): void => {
          const got = cmq.receive(q, Number(params.numOfMsg ?? 1));
          if (got.length || Date.now() - started >= wait) return void send(got.length ? { code: 0, msgInfoList: got } : { code: 7000, message: 'no message' });
          setTimeout(poll, 50);
        };
        return poll();
      }
      if (params.Action === 'DeleteMessage')
        return void send(cmq.delete(q, params.receiptHandle ?? '') ? { code: 0 } : { code: 4430, message: 'receipt handle is invalid' });
      send({ code: 4000, message: `unknown action ${params.Action}` });
    } catch (err) {
      send({ code: (err as { cmqCode?: number }).cmqCode ?? 6000, message: (err as Error).message });
    }
  };

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url?.startsWith('http') ? req.url : `http://${req.headers.host}${req.url}`);
    if (url.hostname.endsWith('.tencentcloudapi.com')) return void tc3(req, res, body);
    if (url.hostname.endsWith('.myqcloud.com')) {
      const bad = verifyCosSignature(req, url, options.secrets, tokens);
      calls.push({ service: 'cos', action: req.method ?? '?', ok: !bad, ...(bad ? { error: bad } : {}) });
      if (bad) return void res.writeHead(403, { 'content-type': 'application/xml' }).end(`<Error><Code>${bad}</Code></Error>`);
      if (fake.cosBuckets?.(req, res, url, body)) return;
      return void handleCos(objects, req, res, url, body, options.cosClock);
    }
    if (url.pathname === '/v2/index.php') return void cmqCall(req, res, body);
    res.writeHead(404).end();
  });
  server.on('connect', (_req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) socket.unshift(head);
    server.emit('connection', socket);
  });
  const stop = stoppable(server);
  const origin = `http://${await listen(server)}`;
  return Object.assign(fake, {
    proxy: origin,
    cmqEndpoint: origin,
    cmq,
    ssm,
    invokeLimits,
    objects,
    calls,
    stop,
  });
}
