import { z } from 'zod';
import { codeOf, hasCode, messageOf, systemCodeOf } from '../../lib/util/errors.js';

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
  if (err instanceof z.ZodError) return json(400, { error: { code: 'BAD_REQUEST', message: z.prettifyError(err) } });
  const code = codeOf(err);
  if (hasCode(err, 'CONFIG_INVALID')) return json(400, { error: { code, message: messageOf(err) } });
  if (hasCode(err, 'POLICY_REFUSED')) return json(403, { error: { code, message: messageOf(err) } });
  return json(500, { error: { code: code ?? systemCodeOf(err) ?? 'INTERNAL', message: messageOf(err) } });
}
