import COS from 'cos-nodejs-sdk-v5';
import type { CredentialProvider } from '../tencent/index.js';
import { StoreError } from './errors.js';
import { assertValidKey, assertValidPrefix } from './keys.js';
import { expiringKeys } from './layout.js';
import type { ObjectStore } from './port.js';

export interface CosStoreOptions {
  /** `<name>-<appid>` */
  readonly bucket: string;
  readonly region: string;
  /** Key prefix inside the bucket, e.g. `image-transfer/`. */
  readonly prefix?: string;
  readonly credential: CredentialProvider;
  /** Tests: an http proxy that stands in for COS (the Host, and so the signature, stay real). */
  readonly proxy?: string;
}

/**
 * The COS SDK client of a bucket's adapters. Temporary (role) credentials are handed to the SDK per
 * request; permanent keys (no session token) sign each request here.
 */
export function cosClient(options: Pick<CosStoreOptions, 'credential' | 'proxy'>): COS {
  return new COS({
    getAuthorization: (opts, callback) => {
      options.credential.getCredential().then(
        (c) => {
          if (c.token) {
            const now = Math.floor(Date.now() / 1000);
            callback({ TmpSecretId: c.secretId, TmpSecretKey: c.secretKey, SecurityToken: c.token, StartTime: now, ExpiredTime: now + 600 });
            return;
          }
          const { Method, Key, Query, Headers } = opts;
          callback(COS.getAuthorization({ SecretId: c.secretId, SecretKey: c.secretKey, Method, Key, Query, Headers }));
        },
        () => callback(''),
      );
    },
    ...(options.proxy ? { Proxy: options.proxy, Protocol: 'http:' as const } : {}),
    AutoSwitchHost: false,
  });
}

/**
 * Reports and run state in COS through the official SDK. Temporary (role) credentials are fetched per
 * request through `getAuthorization`, so rotated keys are used. A PUT of a whole object is atomic.
 */
export class CosObjectStore implements ObjectStore {
  private readonly cos: COS;
  private readonly prefix: string;

  constructor(private readonly options: CosStoreOptions) {
    this.prefix = options.prefix ? options.prefix.replace(/\/?$/, '/') : '';
    this.cos = cosClient(options);
  }

  private target(key: string): { Bucket: string; Region: string; Key: string } {
    assertValidKey(key);
    return { Bucket: this.options.bucket, Region: this.options.region, Key: `${this.prefix}${key}` };
  }

  async put(key: string, body: string | Uint8Array, contentType: string): Promise<void> {
    try {
      const tagging = expiringKeys.taggingOf(key);
      await this.cos.putObject({
        ...this.target(key),
        Body: typeof body === 'string' ? body : Buffer.from(body),
        ContentType: contentType,
        ...(tagging ? { Headers: { 'x-cos-tagging': tagging } } : {}),
      });
    } catch (cause) {
      throw new StoreError('REPORT_STORE_FAILED', `COS put ${this.options.bucket}/${this.prefix}${key} failed: ${describeCosError(cause)}`, { cause });
    }
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const res = await this.cos.getObject(this.target(key));
      return Buffer.from(res.Body as Buffer).toString('utf8');
    } catch (cause) {
      if ((cause as { statusCode?: number }).statusCode === 404) return undefined;
      throw new StoreError('REPORT_STORE_FAILED', `COS get ${this.options.bucket}/${this.prefix}${key} failed: ${describeCosError(cause)}`, { cause });
    }
  }

  async list(prefix: string): Promise<string[]> {
    assertValidPrefix(prefix);
    const keys: string[] = [];
    let marker: string | undefined;
    try {
      for (;;) {
        const res = await this.cos.getBucket({
          Bucket: this.options.bucket,
          Region: this.options.region,
          Prefix: `${this.prefix}${prefix}`,
          MaxKeys: 1000,
          ...(marker ? { Marker: marker } : {}),
        });
        for (const c of res.Contents) keys.push(c.Key.slice(this.prefix.length));
        if (res.IsTruncated !== 'true' || !res.NextMarker) break;
        marker = res.NextMarker;
      }
    } catch (cause) {
      throw new StoreError('REPORT_STORE_FAILED', `COS list ${this.options.bucket}/${this.prefix}${prefix} failed: ${describeCosError(cause)}`, { cause });
    }
    return keys.sort();
  }
}

/** What the COS SDK says went wrong: HTTP status, COS's code and message. */
export function describeCosError(err: unknown): string {
  const e = err as { code?: string; message?: string; statusCode?: number; error?: { Code?: string; Message?: string } };
  return [e.statusCode, e.error?.Code ?? e.code, e.error?.Message ?? e.message].filter(Boolean).join(' ');
}
