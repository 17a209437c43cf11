import { z } from 'zod';

/** Function URL / API Gateway integration response. */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function json(statusCode: number, body: unknown): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** Maps a failure to an HTTP answer: bad input 400, policy 403, anything else 500 (message redacted upstream). */
export function errorResponse(err: unknown): HttpResponse {
  const e = err as { code?: string; message?: string };
  if (err instanceof z.ZodError) return json(400, { error: { code: 'BAD_REQUEST', message: z.prettifyError(err) } });
  if (e?.code === 'CONFIG_INVALID') return json(400, { error: { code: e.code, message: e.message } });
  if (e?.code === 'POLICY_REFUSED') return json(403, { error: { code: e.code, message: e.message } });
  return json(500, { error: { code: e?.code ?? 'INTERNAL', message: e?.message ?? String(err) } });
}
