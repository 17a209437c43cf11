import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying `t=<unix seconds>,s=<hex HMAC-SHA256>` on calls to the planner's Function URL. */
export const SIGNATURE_HEADER = 'x-image-transfer-signature';
const MAX_SKEW_S = 300;

function mac(key: string, t: number, method: string, path: string, body: string): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', key).update(`${t}\n${method.toUpperCase()}\n${path}\n${bodyHash}`).digest('hex');
}

/** Signs a request: the signature covers the time, method, path and body (replays expire in 5 minutes). */
export function signRequest(key: string, method: string, path: string, body: string, now = Date.now()): string {
  const t = Math.floor(now / 1000);
  return `t=${t},s=${mac(key, t, method, path, body)}`;
}

/** Why a signature is refused, or undefined when it is valid. Constant-time comparison. */
export function verifyRequest(key: string, header: string | undefined, method: string, path: string, body: string, now = Date.now()): string | undefined {
  const m = header?.match(/^t=(\d+),s=([a-f0-9]{64})$/);
  if (!m) return 'missing or malformed signature';
  const t = Number(m[1]);
  if (Math.abs(now / 1000 - t) > MAX_SKEW_S) return 'signature expired';
  const expected = Buffer.from(mac(key, t, method, path, body), 'hex');
  const given = Buffer.from(m[2]!, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given) ? undefined : 'bad signature';
}
