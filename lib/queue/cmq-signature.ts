import { createHmac } from 'node:crypto';

/**
 * CMQ data-plane request signature (legacy API v2, still used by TDMQ for CMQ): HMAC over
 * `POST<host><path>?<k=v sorted by key, raw values>`, base64. https://cloud.tencent.com/document/api/406/5906
 */
export function cmqSignature(host: string, path: string, params: Record<string, string>, secretKey: string, method: 'HmacSHA1' | 'HmacSHA256'): string {
  const query = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHmac(method === 'HmacSHA1' ? 'sha1' : 'sha256', secretKey)
    .update(`POST${host}${path}?${query}`)
    .digest('base64');
}
