import { z } from 'zod';
import { HttpTransport, type TransportResponse } from '../../http/index.js';
import { CodedError, codeOf, isAbort, messageOf, systemCodeOf, type CodesOf } from '../../util/errors.js';
import { escapeControl } from '../../util/escape-control.js';
import { MAX_ERROR_BODY_BYTES, MAX_RUN_API_REPLY_BYTES, RUN_API_CALL_MS } from '../../util/limits.js';
import { redact } from '../../util/redact.js';
import { SIGNATURE_HEADER, signRequest } from '../../util/request-signature.js';
import type { RunRequest } from './run-request.js';
import { RunStatus } from './run-status.js';

/** `POST /runs`: the planner's (or `image-transfer serve`'s) answer, 202. */
export const StartedRun = z.object({
  runId: RunStatus.options[0].shape.runId,
  state: z.enum(['planned', 'continuing']),
  tasks: z.number().int().nonnegative(),
  planFailures: z.number().int().nonnegative(),
});
export type StartedRun = z.infer<typeof StartedRun>;

/** The run API, as `image-transfer cloud` uses it: the planner's Function URL or `image-transfer serve`. */
export interface RunApi {
  /** Where it is, for messages (never carries a key). */
  readonly url: string;
  start(request: z.input<typeof RunRequest>, signal?: AbortSignal): Promise<StartedRun>;
  status(runId: string, signal?: AbortSignal): Promise<RunStatus>;
  close(): Promise<void>;
}

/** A call to the run API that failed; `retryable` for network failures and 5xx answers. */
export class RunApiError extends CodedError<CodesOf<'client'> | 'BAD_REQUEST' | 'POLICY_REFUSED'> {
  constructor(code: CodesOf<'client'> | 'BAD_REQUEST' | 'POLICY_REFUSED', message: string, retryable = false, cause?: unknown) {
    super(code, message, { retryable, cause });
    this.name = 'RunApiError';
  }
}

const ErrorBody = z.object({ error: z.object({ code: z.string().optional(), message: z.string().optional() }) });

/**
 * The run API over HTTP(S), signed with `apiKey` (lib/util/request-signature.ts). The server is not
 * trusted: each call has a deadline (RUN_API_CALL_MS, headers and body together), a capped body
 * (MAX_RUN_API_REPLY_BYTES), a zod-checked answer, and redirects are refused rather than followed (the
 * signed request goes to `baseUrl` only). What the server says is redacted (the key removed) and its
 * control characters escaped before it reaches a message.
 */
export function httpRunApi(baseUrl: string, apiKey: string, options: { callMs?: number } = {}): RunApi {
  const base = new URL(baseUrl);
  const url = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  const transport = new HttpTransport({ connections: 2, connectMs: 30_000, headersMs: 60_000, bodyIdleMs: 30_000, keepAliveMs: 5_000 });
  const callMs = options.callMs ?? RUN_API_CALL_MS;
  const clean = (text: string): string => escapeControl(redact(text.split(apiKey).join('***'))).slice(0, 500);

  async function call<T>(method: string, path: string, body: string | undefined, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
    const fullPath = `${base.pathname.replace(/\/+$/, '')}${path}`;
    const where = `${method} ${url}${path}`;
    const deadline = AbortSignal.timeout(callMs);
    const both = signal ? AbortSignal.any([signal, deadline]) : deadline;
    let res: TransportResponse | undefined;
    try {
      res = await transport.request({
        origin: base.origin,
        path: fullPath,
        method,
        headers: {
          accept: 'application/json',
          [SIGNATURE_HEADER]: signRequest(apiKey, method, fullPath, body ?? ''),
          ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
        },
        ...(body === undefined ? {} : { body: Buffer.from(body) }),
        signal: both,
      });
      const answer = res;
      both.addEventListener('abort', () => answer.body.destroy(), { once: true });
      if (res.statusCode >= 200 && res.statusCode < 300) {
        const json = await res.body.json(MAX_RUN_API_REPLY_BYTES);
        const parsed = schema.safeParse(json);
        if (!parsed.success)
          throw new RunApiError(
            'RUN_API_FAILED',
            `${where}: the answer is not what the run API sends (${clean(z.prettifyError(parsed.error).split('\n')[0] ?? '')})`,
          );
        return parsed.data;
      }
      throw await refusal(where, res, clean);
    } catch (err) {
      if (err instanceof RunApiError) throw err;
      if (signal?.aborted) throw signal.reason;
      const code = codeOf(err) ?? systemCodeOf(err);
      if (deadline.aborted || isAbort(err)) throw new RunApiError('RUN_API_UNREACHABLE', `${where}: no complete answer within ${callMs / 1000} s`, true, err);
      if (res) throw new RunApiError('RUN_API_FAILED', `${where}: ${clean(messageOf(err))}`, code === 'HTTP_BODY_BROKEN', err);
      throw new RunApiError('RUN_API_UNREACHABLE', `cannot reach ${url}: ${code ? `${code} ` : ''}${clean(messageOf(err))}`, true, err);
    } finally {
      res?.body.destroy();
    }
  }

  return {
    url,
    start: (request, signal) => call('POST', '/runs', JSON.stringify(request), StartedRun, signal),
    status: (runId, signal) => call('GET', `/runs/${encodeURIComponent(runId)}`, undefined, RunStatus, signal),
    close: () => transport.close(),
  };
}

/** The error of a non-2xx answer, with the server's own code and message when its body says them. */
async function refusal(where: string, res: TransportResponse, clean: (text: string) => string): Promise<RunApiError> {
  const status = res.statusCode;
  if (status >= 300 && status < 400) {
    const to = typeof res.headers.location === 'string' ? ` to ${clean(res.headers.location)}` : '';
    return new RunApiError(
      'RUN_API_FAILED',
      `${where}: answered ${status}, a redirect${to}; not followed (the signed request goes to --url only): give the final URL`,
    );
  }
  const text = await res.body.text(MAX_ERROR_BODY_BYTES).catch(() => '');
  let said = '';
  try {
    const e = ErrorBody.parse(JSON.parse(text)).error;
    said = [e.code, e.message].filter(Boolean).join(': ');
  } catch {
    said = text.trim() ? text.trim().split('\n')[0]! : '';
  }
  const detail = `${where}: ${status}${said ? ` (${clean(said)})` : ''}`;
  if (status === 401 || (status === 403 && !said.startsWith('POLICY_REFUSED')))
    return new RunApiError(
      'RUN_API_UNAUTHORIZED',
      `${detail}: the API key was refused; use the key of the deployment's api-key secret (IMAGE_TRANSFER_API_KEY or --api-key-file)`,
    );
  if (status === 403) return new RunApiError('POLICY_REFUSED', detail);
  if (status === 400) return new RunApiError('BAD_REQUEST', detail);
  return new RunApiError('RUN_API_FAILED', detail, status >= 500 || status === 429);
}
