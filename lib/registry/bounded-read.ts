import * as http from '../http/index.js';
import { RegistryError, isRetryableNetworkError } from './errors.js';

export type { BodySource } from '../http/index.js';

/** A whole-body read of the registry protocol fails as a RegistryError: REGISTRY_PROTOCOL for a body too large or not JSON, REGISTRY_TIMEOUT or REGISTRY_NETWORK for one that broke off. */
const registryBodyError: http.BodyErrorFactory = (f) =>
  f.kind === 'broken'
    ? new RegistryError({
        code: /TIMEOUT|TOO_SLOW/.test(f.code ?? '') ? 'REGISTRY_TIMEOUT' : 'REGISTRY_NETWORK',
        method: 'GET',
        url: f.url,
        detail: f.detail,
        retryable: isRetryableNetworkError(f.cause),
        cause: f.cause,
      })
    : new RegistryError({ code: 'REGISTRY_PROTOCOL', method: 'GET', url: f.url, detail: f.detail });

/** lib/http's readBounded, failing with RegistryErrors. */
export function readBounded(res: http.BodySource, cap: number, what: string, mode: 'refuse' | 'truncate' = 'refuse'): Promise<Buffer> {
  return http.readBounded(res, cap, what, { mode, fail: registryBodyError });
}

export function readBoundedJson(res: http.BodySource, cap: number, what: string): Promise<unknown> {
  return http.readBoundedJson(res, cap, what, { fail: registryBodyError });
}
