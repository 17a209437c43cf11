import { randomInt, randomUUID } from 'node:crypto';
import type COS from 'cos-nodejs-sdk-v5';
import type { CredentialProvider } from '../tencent/index.js';
import { cosClient, describeCosError } from './cos-store.js';
import { StoreError } from './errors.js';
import { pullBudgetKeys } from './layout.js';
import type { Claim, PullBudgetPolicy, PullLedger } from './pull-ledger.js';

export interface CosLedgerOptions {
  readonly bucket: string;
  readonly region: string;
  readonly prefix?: string;
  readonly credential: CredentialProvider;
  readonly proxy?: string;
}

/**
 * Covers LastModified's whole seconds, the Date header's whole seconds and the moment between a claim
 * and its GET, so a token's next use is a full window after its last real pull.
 */
const MARGIN_MS = 2000;
const CLAIM_ATTEMPTS = 4;

/**
 * The shared pull budget as create-only objects in COS. There are `pulls` tokens; token `s` is spent
 * by creating `pull-budget/<registry>/tokens/<s>/<n>`, its n-th use, with `x-cos-forbid-overwrite: true`,
 * and only when use n-1 is at least one window old (by COS's own LastModified and Date, so worker
 * clocks do not matter). Every token is then used at most once per window, so any window holds at
 * most `pulls` pulls, for fixed and rolling windows alike.
 *
 * Why this is correct on real COS: a PUT with `x-cos-forbid-overwrite: true` on an existing key fails
 * with 409 FileAlreadyExists (PUT Object, https://cloud.tencent.com/document/product/436/7749), so of
 * two workers racing for use n of a token exactly one wins; keys are never deleted or reused (a
 * lifecycle rule on `pull-budget/` may expire them after a few windows), so a stale listing can only
 * lose a race, never win a token twice. COS has no conditional overwrite (If-Match on PUT is not
 * documented), which rules out a read-modify-write counter. A TDMQ-CMQ queue of tokens was rejected:
 * delivery is at-least-once (a token can be handed out twice), a token could only come back by a
 * delayed re-send capped far below Docker Hub's 6 h window, and retention is at most 12 h.
 * The header is ignored on buckets that have ever had versioning enabled: `claim` checks once, with a
 * probe object, that the bucket refuses an overwrite, and fails loudly if it does not.
 */
export class CosPullLedger implements PullLedger {
  private readonly cos: COS;
  private readonly prefix: string;
  private verified: Promise<void> | undefined;

  constructor(private readonly options: CosLedgerOptions) {
    this.prefix = options.prefix ? options.prefix.replace(/\/?$/, '/') : '';
    this.cos = cosClient(options);
  }

  async claim(policy: PullBudgetPolicy): Promise<Claim> {
    this.verified ??= this.verifyCreateOnly().catch((err: unknown) => {
      this.verified = undefined;
      throw err;
    });
    await this.verified;
    const dir = `${this.prefix}${pullBudgetKeys.tokens(policy.registry)}`;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const { latest, serverNow, skew } = await this.tokens(dir);
      const windowMs = policy.windowSeconds * 1000;
      const free: Array<{ slot: number; use: number }> = [];
      let soonest = Infinity;
      for (let slot = 0; slot < policy.pulls; slot++) {
        const last = latest.get(slot);
        if (!last) free.push({ slot, use: 0 });
        else if (last.at + windowMs + MARGIN_MS <= serverNow) free.push({ slot, use: last.use + 1 });
        else soonest = Math.min(soonest, last.at + windowMs + MARGIN_MS);
      }
      // local time of the server moment, plus a second for the Date header's truncation
      if (free.length === 0) return { granted: false, retryAt: soonest - skew + 1000 };
      const pick = free[randomInt(free.length)]!;
      if (await this.create(`${this.prefix}${pullBudgetKeys.token(policy.registry, pick.slot, pick.use)}`)) return { granted: true };
    }
    // lost every race: others are spending tokens right now; look again shortly
    return { granted: false, retryAt: Date.now() + 100 + randomInt(200) };
  }

  /** The newest use of each token, COS's clock now (its Date header) and that clock minus ours. */
  private async tokens(dir: string): Promise<{ latest: Map<number, { use: number; at: number }>; serverNow: number; skew: number }> {
    const latest = new Map<number, { use: number; at: number }>();
    let marker: string | undefined;
    let serverNow = Date.now();
    let skew = 0;
    try {
      for (;;) {
        const res = await this.cos.getBucket({
          Bucket: this.options.bucket,
          Region: this.options.region,
          Prefix: dir,
          MaxKeys: 1000,
          ...(marker ? { Marker: marker } : {}),
        });
        const date = Date.parse(String((res.headers as Record<string, unknown> | undefined)?.date ?? ''));
        if (!Number.isNaN(date)) [serverNow, skew] = [date, date - Date.now()];
        for (const c of res.Contents) {
          const token = pullBudgetKeys.parseToken(c.Key);
          if (!token) continue;
          const { slot, use } = token;
          const at = Date.parse(c.LastModified);
          if ((latest.get(slot)?.use ?? -1) < use) latest.set(slot, { use, at });
        }
        if (res.IsTruncated !== 'true' || !res.NextMarker) break;
        marker = res.NextMarker;
      }
    } catch (cause) {
      throw new StoreError('REPORT_STORE_FAILED', `COS list ${this.options.bucket}/${dir} failed: ${describeCosError(cause)}`, { cause });
    }
    return { latest, serverNow, skew };
  }

  /** True when this call created the object; false when it already existed (409). */
  private async create(key: string): Promise<boolean> {
    try {
      await this.cos.putObject({
        Bucket: this.options.bucket,
        Region: this.options.region,
        Key: key,
        Body: JSON.stringify({ at: new Date().toISOString() }),
        ContentType: 'application/json',
        Headers: { 'x-cos-forbid-overwrite': 'true' },
      });
      return true;
    } catch (cause) {
      if ((cause as { statusCode?: number }).statusCode === 409) return false;
      throw new StoreError('REPORT_STORE_FAILED', `COS put ${this.options.bucket}/${key} failed: ${describeCosError(cause)}`, { cause });
    }
  }

  private async verifyCreateOnly(): Promise<void> {
    const key = `${this.prefix}${pullBudgetKeys.probe(randomUUID())}`;
    const first = await this.create(key);
    const second = await this.create(key);
    await this.cos.deleteObject({ Bucket: this.options.bucket, Region: this.options.region, Key: key }).catch(() => undefined);
    if (!first || second) {
      throw new StoreError(
        'REPORT_STORE_FAILED',
        `COS bucket ${this.options.bucket} does not refuse overwrites (x-cos-forbid-overwrite), so it cannot hold a shared pull budget: use a bucket that never had versioning enabled`,
      );
    }
  }
}
