import type { Readable } from 'node:stream';
import { CodedError, codeOf, isAbort, messageOf, systemCodeOf } from '../util/errors.js';

/** Where a body came from, for the error that refuses it. */
export interface BodySource {
  readonly body: Readable;
  readonly url: string;
  readonly headers?: Record<string, string | string[] | undefined>;
}

/** Why a whole-body read failed: too large, broken off (`cause`, with its transport code), or not JSON. */
export interface BodyFailure {
  readonly kind: 'too-large' | 'broken' | 'not-json';
  readonly url: string;
  readonly detail: string;
  readonly code?: string;
  readonly cause?: unknown;
}

/** Turns a BodyFailure into the caller's own error type (the registry client makes RegistryErrors). */
export type BodyErrorFactory = (failure: BodyFailure) => Error;

export class HttpBodyError extends CodedError<'HTTP_BODY_TOO_LARGE' | 'HTTP_BODY_BROKEN' | 'HTTP_BODY_NOT_JSON'> {
  constructor(failure: BodyFailure) {
    const code = failure.kind === 'too-large' ? 'HTTP_BODY_TOO_LARGE' : failure.kind === 'broken' ? 'HTTP_BODY_BROKEN' : 'HTTP_BODY_NOT_JSON';
    super(code, `${failure.url}: ${failure.detail}`, { retryable: failure.kind === 'broken', cause: failure.cause });
    this.name = 'HttpBodyError';
  }
}

const httpBodyError: BodyErrorFactory = (failure) => new HttpBodyError(failure);

export interface ReadOptions {
  /** `truncate`: return the first `cap` bytes instead of refusing a bigger body. @default 'refuse' */
  readonly mode?: 'refuse' | 'truncate';
  readonly fail?: BodyErrorFactory;
}

/**
 * Reads a whole body of at most `cap` bytes (the bounds are in lib/util/limits.ts). A bigger one is
 * refused naming `what`, before a byte is read when Content-Length says so; with `truncate` its first
 * `cap` bytes are returned instead. Either way the rest is never read: the body is destroyed, and its
 * connection with it. A body that breaks off fails naming the URL; an abort passes through as it is.
 */
export async function readBounded(res: BodySource, cap: number, what: string, options: ReadOptions = {}): Promise<Buffer> {
  const { mode = 'refuse', fail = httpBodyError } = options;
  const refused = fail({ kind: 'too-large', url: res.url, detail: `${what} larger than ${sizeText(cap)}` });
  const declared = Number(first(res.headers?.['content-length']) ?? Number.NaN);
  if (mode === 'refuse' && declared > cap) {
    res.body.destroy();
    throw refused;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      const bytes = chunk as Buffer;
      if (size + bytes.length > cap) {
        res.body.destroy();
        if (mode === 'refuse') throw refused;
        chunks.push(bytes.subarray(0, cap - size));
        return Buffer.concat(chunks);
      }
      size += bytes.length;
      chunks.push(bytes);
    }
  } catch (err) {
    if (err === refused || isAbort(err)) throw err;
    const code = codeOf(err) ?? systemCodeOf(err) ?? '';
    throw fail({ kind: 'broken', url: res.url, detail: `reading the ${what}: ${code ? `${code}: ` : ''}${messageOf(err)}`, code, cause: err });
  }
  return Buffer.concat(chunks);
}

/** readBounded, then JSON; a body that is not JSON fails naming `what`. */
export async function readBoundedJson(res: BodySource, cap: number, what: string, options: ReadOptions = {}): Promise<unknown> {
  const bytes = await readBounded(res, cap, what, options);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw (options.fail ?? httpBodyError)({ kind: 'not-json', url: res.url, detail: `${what} is not JSON` });
  }
}

function sizeText(cap: number): string {
  return cap >= 2 ** 20 ? `${cap / 2 ** 20} MiB` : `${cap / 1024} KiB`;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
