import type { Readable } from 'node:stream';
import { RegistryError, isRetryableNetworkError } from './errors.js';
import { codeOf, isAbort, messageOf, systemCodeOf } from '../util/errors.js';

/** Where a body came from, for the error that refuses it. */
export interface BodySource {
  readonly body: Readable;
  readonly url: string;
  readonly headers?: Record<string, string | string[] | undefined>;
}

/**
 * Reads a whole body of at most `cap` bytes (the bounds are in lib/util/limits.ts). A bigger one is
 * refused with REGISTRY_PROTOCOL naming `what`, before a byte is read when Content-Length says so; with
 * `truncate` its first `cap` bytes are returned instead. Either way the rest is never read: the body is
 * destroyed, and its connection with it.
 */
export async function readBounded(res: BodySource, cap: number, what: string, mode: 'refuse' | 'truncate' = 'refuse'): Promise<Buffer> {
  const declared = Number(first(res.headers?.['content-length']) ?? Number.NaN);
  if (mode === 'refuse' && declared > cap) {
    res.body.destroy();
    throw tooLarge(res.url, what, cap);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      const bytes = chunk as Buffer;
      if (size + bytes.length > cap) {
        res.body.destroy();
        if (mode === 'refuse') throw tooLarge(res.url, what, cap);
        chunks.push(bytes.subarray(0, cap - size));
        return Buffer.concat(chunks);
      }
      size += bytes.length;
      chunks.push(bytes);
    }
  } catch (err) {
    throw bodyFailed(err, res.url, what);
  }
  return Buffer.concat(chunks);
}

/** A body that broke off (a time-out, a reset) as a RegistryError naming the URL; aborts pass through. */
function bodyFailed(err: unknown, url: string, what: string): unknown {
  if (err instanceof RegistryError || isAbort(err)) return err;
  const code = codeOf(err) ?? systemCodeOf(err) ?? '';
  return new RegistryError({
    code: /TIMEOUT|TOO_SLOW/.test(code) ? 'REGISTRY_TIMEOUT' : 'REGISTRY_NETWORK',
    method: 'GET',
    url,
    detail: `reading the ${what}: ${code ? `${code}: ` : ''}${messageOf(err)}`,
    retryable: isRetryableNetworkError(err),
    cause: err,
  });
}

/** readBounded, then JSON; a body that is not JSON is REGISTRY_PROTOCOL naming `what`. */
export async function readBoundedJson(res: BodySource, cap: number, what: string): Promise<unknown> {
  const bytes = await readBounded(res, cap, what);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new RegistryError({ code: 'REGISTRY_PROTOCOL', method: 'GET', url: res.url, detail: `${what} is not JSON` });
  }
}

function tooLarge(url: string, what: string, cap: number): RegistryError {
  const size = cap >= 2 ** 20 ? `${cap / 2 ** 20} MiB` : `${cap / 1024} KiB`;
  return new RegistryError({ code: 'REGISTRY_PROTOCOL', method: 'GET', url, detail: `${what} larger than ${size}` });
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
