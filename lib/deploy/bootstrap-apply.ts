import { randomBytes } from 'node:crypto';
import { MAX_BUCKET_OBJECTS_DELETED, MAX_LISTING_PAGES } from '../util/limits.js';
import { registerSecret } from '../util/redact.js';
import type { BootstrapAction, BootstrapClients, SecretKind } from './bootstrap.js';
import type { Deployment } from './schema.js';

/** A new API key: 32 random bytes, base64url (43 characters). Registered for redaction at once. */
export function newApiKey(): string {
  const key = randomBytes(32).toString('base64url');
  registerSecret(key);
  return key;
}

/**
 * Every key of the bucket (any prefix: a bucket must be empty to be deleted), up to `MAX_BUCKET_OBJECTS_DELETED + 1`
 * keys: one more than the cap tells the caller there are too many.
 */
export async function bucketKeys(d: Deployment, c: Pick<BootstrapClients, 'cos'>): Promise<string[]> {
  const keys: string[] = [];
  let marker = '';
  for (let page = 0; page < MAX_LISTING_PAGES && keys.length <= MAX_BUCKET_OBJECTS_DELETED; page++) {
    const r = await c.cos.getBucket({ Bucket: d.bucket.name, Region: d.region, Marker: marker, MaxKeys: 1000 });
    keys.push(...(r.Contents ?? []).map((o) => o.Key));
    if (r.IsTruncated !== 'true' || !r.Contents?.length) break;
    marker = r.NextMarker || keys.at(-1)!;
  }
  return keys;
}

const lowerFirst = (s: string) => `${s[0]!.toLowerCase()}${s.slice(1)}`;

/**
 * Makes the plan's calls in order; `onAction` reports each before it is made (never a secret value), `onDone` after it succeeded.
 * A `secret` action gets its value from `secretValue` at the moment of the call.
 */
export async function executeBootstrap(
  actions: readonly BootstrapAction[],
  c: BootstrapClients,
  secretValue: (kind: SecretKind) => string,
  onAction: (a: BootstrapAction) => void = () => {},
  onDone: (a: BootstrapAction) => void = () => {},
): Promise<void> {
  for (const a of actions) {
    onAction(a);
    const params = a.secret ? { ...a.params, SecretString: secretValue(a.secret) } : a.params;
    // the COS SDK names its methods after the COS API in lowerCamelCase (putBucket for PUT Bucket)
    const client = c[a.service] as unknown as Record<string, (p: unknown) => Promise<unknown>>;
    const name = a.service === 'cos' ? lowerFirst(a.action) : a.action;
    const call = client[name];
    if (typeof call !== 'function') throw new Error(`${a.service} has no action ${a.action}`);
    await call.call(client, params);
    onDone(a);
  }
}
