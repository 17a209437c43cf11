import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const sha256hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

export type Tc3Handler = (params: Record<string, unknown>, meta: { service: string; region?: string; token?: string }) => unknown | Promise<unknown>;

export class CloudApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks a TC3-HMAC-SHA256 request as the cloud API does (service from the Host's first label) and
 * returns the service and action, or throws CloudApiError(AuthFailure.*).
 */
export function verifyTc3(headers: IncomingHttpHeaders, body: Buffer, secrets: Record<string, string>, now = Date.now()): { service: string; action: string } {
  const auth = String(headers.authorization ?? '');
  const m = auth.match(/^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, SignedHeaders=([^,]+), Signature=([a-f0-9]{64})$/);
  if (!m) throw new CloudApiError('AuthFailure.InvalidAuthorization', 'Authorization header is not TC3-HMAC-SHA256');
  const [, secretId, date, scopeService, signedHeaders, signature] = m as unknown as string[];
  const host = String(headers.host ?? '').replace(/:\d+$/, '');
  const service = host.split('.')[0]!;
  const secretKey = secrets[secretId!];
  if (!secretKey) throw new CloudApiError('AuthFailure.SecretIdNotFound', `unknown SecretId ${secretId}`);
  const timestamp = Number(headers['x-tc-timestamp']);
  if (!Number.isFinite(timestamp) || Math.abs(now / 1000 - timestamp) > 300)
    throw new CloudApiError('AuthFailure.SignatureExpire', 'timestamp outside 5 minutes');
  if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date || scopeService !== service) {
    throw new CloudApiError('AuthFailure.SignatureFailure', 'credential scope does not match the request');
  }
  const canonicalHeaders = signedHeaders!
    .split(';')
    .map((h) => `${h}:${h === 'host' ? host : String(headers[h] ?? '').trim()}\n`)
    .join('');
  const canonical = ['POST', '/', '', canonicalHeaders, signedHeaders, sha256hex(body)].join('\n');
  const toSign = ['TC3-HMAC-SHA256', String(timestamp), `${date}/${service}/tc3_request`, sha256hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(`TC3${secretKey}`, date!), service), 'tc3_request');
  const expected = createHmac('sha256', key).update(toSign).digest('hex');
  if (expected !== signature) throw new CloudApiError('AuthFailure.SignatureFailure', 'the request signature does not match');
  return { service, action: String(headers['x-tc-action'] ?? '') };
}
