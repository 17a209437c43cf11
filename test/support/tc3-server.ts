import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { CloudApiError, verifyTc3, type Tc3Handler } from './cloud/tc3.js';
import { listen, readBody, stoppable } from './http-server.js';

export { CloudApiError, type Tc3Handler };

/** One cloud API service: its version (`X-TC-Version`) and `Action -> handler`. */
export interface Tc3Service {
  readonly version: string;
  readonly handlers: Record<string, Tc3Handler>;
  /** Whether `X-TC-Region` is required. @default true */
  readonly regional?: boolean;
}

export interface Tc3ServerOptions {
  /** SecretId -> SecretKey. */
  readonly secrets: Record<string, string>;
  /** Session tokens accepted with temporary keys. */
  readonly tokens?: readonly string[];
  /** Service name (`tcr`, `scf`, ...) -> service. */
  readonly services: Record<string, Tc3Service>;
  /** Calls per action in any one-second window before `RequestLimitExceeded`. @default 20; 0: no limit */
  readonly rateLimit?: number;
}

export interface Tc3LogEntry {
  readonly at: number;
  readonly service: string;
  readonly action: string;
  readonly region?: string;
  readonly params: Record<string, unknown>;
  /** The error code answered, if any. */
  readonly error?: string;
}

export interface Tc3Server {
  /** `http://127.0.0.1:<port>`: the SDK endpoint (see lib/tencent/sdk.ts). */
  readonly endpoint: string;
  readonly requests: Tc3LogEntry[];
  readonly services: Record<string, Tc3Service>;
  rateLimit: number;
  /** The next `times` calls of `action` answer `code` (after signature and rate checks). */
  failNext(action: string, code: string, times?: number, message?: string): void;
  /** Logged calls of `action` (all, or only those that succeeded). */
  calls(action: string, options?: { ok?: boolean }): Tc3LogEntry[];
  stop(): Promise<void>;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The service a call is for: from the Host (`<svc>[.<region>].tencentcloudapi.com`) as the real API
 * does; for a loopback endpoint, the one configured service with this `X-TC-Version`.
 */
function resolveService(req: IncomingMessage, services: Record<string, Tc3Service>): [string, Tc3Service] {
  const host = (header(req, 'host') ?? '').replace(/:\d+$/, '');
  const version = header(req, 'x-tc-version') ?? '';
  const named = host.endsWith('.tencentcloudapi.com') ? host.split('.')[0]! : undefined;
  const candidates = Object.entries(services).filter(([name, s]) => (named ? name === named : s.version === version));
  if (candidates.length !== 1) throw new CloudApiError('InvalidAction', `no service for host ${host} and version ${version}`);
  const [name, service] = candidates[0]!;
  if (service.version !== version) throw new CloudApiError('NoSuchVersion', `version ${version} of ${name} does not exist`);
  return [name, service];
}

class SlidingWindow {
  private readonly hits = new Map<string, number[]>();

  admit(key: string, limit: number, now: number): boolean {
    if (limit <= 0) return true;
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < 1000);
    this.hits.set(key, recent);
    if (recent.length >= limit) return false;
    recent.push(now);
    return true;
  }
}

type Fault = { action: string; code: string; message: string; left: number };

/** Checks and answers one call: signature, token, service, region, rate limit, injected faults, handler. */
class Tc3Dispatcher {
  readonly requests: Tc3LogEntry[] = [];
  readonly faults: Fault[] = [];
  rateLimit: number;
  private readonly tokens: Set<string>;
  private readonly window = new SlidingWindow();

  constructor(private readonly options: Tc3ServerOptions) {
    this.tokens = new Set(options.tokens ?? []);
    this.rateLimit = options.rateLimit ?? 20;
  }

  async handle(req: IncomingMessage, body: Buffer): Promise<Record<string, unknown>> {
    const action = header(req, 'x-tc-action') ?? '';
    const region = header(req, 'x-tc-region');
    const entry = { service: '?', action, ...(region ? { region } : {}), params: {} as Record<string, unknown> };
    try {
      if (req.method !== 'POST') throw new CloudApiError('InvalidParameter', 'only POST is served');
      entry.params = JSON.parse(body.toString() || '{}') as Record<string, unknown>;
      verifyTc3(req.headers, body, this.options.secrets);
      const token = header(req, 'x-tc-token');
      if (token !== undefined && !this.tokens.has(token)) throw new CloudApiError('AuthFailure.TokenFailure', 'the session token is invalid or expired');
      const [name, service] = resolveService(req, this.options.services);
      entry.service = name;
      if (service.regional !== false && !region) throw new CloudApiError('MissingParameter', 'the request is missing the required parameter `Region`');
      this.admit(name, action);
      const handler = service.handlers[action];
      if (!handler) throw new CloudApiError('InvalidAction', `${name}.${action} does not exist`);
      const result = (await handler(entry.params, { service: name, ...(region ? { region } : {}), ...(token ? { token } : {}) })) as Record<string, unknown>;
      this.requests.push({ at: Date.now(), ...entry });
      return result ?? {};
    } catch (err) {
      const code = err instanceof CloudApiError ? err.code : 'InternalError';
      this.requests.push({ at: Date.now(), ...entry, error: code });
      return { Error: { Code: code, Message: (err as Error).message } };
    }
  }

  private admit(service: string, action: string): void {
    if (!this.window.admit(`${service}.${action}`, this.rateLimit, Date.now())) {
      throw new CloudApiError('RequestLimitExceeded', `${action}: the number of requests exceeds the frequency limit`);
    }
    const fault = this.faults.find((f) => f.action === action && f.left > 0);
    if (fault) {
      fault.left--;
      throw new CloudApiError(fault.code, fault.message);
    }
  }
}

/**
 * A loopback stand-in for the Tencent Cloud API 3.0: POST JSON, TC3-HMAC-SHA256 checked with the
 * configured keys (the signature is recomputed from the canonical request), session tokens checked,
 * a per-action rate limit, `{Response: {..., RequestId}}` envelopes and `{Response: {Error}}` errors.
 */
export async function startTc3Server(options: Tc3ServerOptions): Promise<Tc3Server> {
  const dispatcher = new Tc3Dispatcher(options);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req)
      .then((body) => dispatcher.handle(req, body))
      .then((payload) => {
        const json = JSON.stringify({ Response: { ...payload, RequestId: crypto.randomUUID() } });
        res.writeHead(200, { 'content-type': 'application/json' }).end(json);
      });
  });
  const stop = stoppable(server);
  const host = await listen(server);
  return {
    endpoint: `http://${host}`,
    requests: dispatcher.requests,
    services: options.services,
    get rateLimit() {
      return dispatcher.rateLimit;
    },
    set rateLimit(value: number) {
      dispatcher.rateLimit = value;
    },
    failNext: (action, code, times = 1, message = `injected ${code}`) => void dispatcher.faults.push({ action, code, message, left: times }),
    calls: (action, o = {}) => dispatcher.requests.filter((r) => r.action === action && (o.ok === undefined || o.ok === !r.error)),
    stop,
  };
}
