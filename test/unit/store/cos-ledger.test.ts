import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PullBudgetPolicy } from '../../../lib/store/index.js';
import { CosPullLedger } from '../../../lib/store/cos.js';
import { staticCredential } from '../../../lib/tencent/index.js';
import { startCloudFake, type CloudFake } from '../../support/cloud/server.js';

const KEY = { secretId: 'AKIDledger00000000001', secretKey: 'ledger-secret-key-0001' };
const BUCKET = 'budget-1250000000';
// COS's clock, set by the test; the workers' clock is the real one (the ledger must not rely on it)
const BASE = Date.UTC(2030, 0, 1, 0, 0, 0);

describe('CosPullLedger against a COS whose clock the test controls', () => {
  let cloud: CloudFake;
  let cosNow = BASE;
  before(async () => {
    cloud = await startCloudFake({ secrets: { [KEY.secretId]: KEY.secretKey }, cosClock: () => cosNow });
  });
  after(() => cloud.stop());

  const ledger = () => new CosPullLedger({ bucket: BUCKET, region: 'ap-guangzhou', credential: staticCredential(KEY), proxy: cloud.proxy });
  const tokens = (registry: string) => [...cloud.objects.keys()].filter((k) => k.startsWith(`${BUCKET}/pull-budget/${registry}/tokens/`)).sort();

  // invariant: a token is never granted again within one window of its last grant, although LastModified
  // and the Date header both drop the milliseconds (a grant at x.999 s is listed as x s)
  it("does not hand a token out again when COS's whole seconds say a window has passed but it has not", async () => {
    const policy = PullBudgetPolicy.parse({ registry: 'docker.io', pulls: 1, windowSeconds: 10 });
    const windowMs = policy.windowSeconds * 1000;
    const worker = ledger();

    const grantedAt = BASE + 999; // just before a second boundary: LastModified will say BASE
    cosNow = grantedAt;
    assert.deepEqual(await worker.claim(policy), { granted: true });
    assert.deepEqual(tokens('docker.io'), [`${BUCKET}/pull-budget/docker.io/tokens/00000/0000000000`]);

    // just after the boundary a window later: LastModified + window == Date, but only 9.002 s have passed
    cosNow = BASE + windowMs + 1;
    const t0 = Date.now();
    const refused = await ledger().claim(policy);
    const t1 = Date.now();
    assert.equal(refused.granted, false, `granted ${cosNow - grantedAt} ms after the last grant, inside the ${windowMs} ms window`);
    assert.ok(!refused.granted);
    // retryAt is local time; on COS's clock it must not come before the end of the real window
    assert.ok(
      cosNow + (refused.retryAt - t1) >= grantedAt + windowMs,
      `retry ${refused.retryAt - t1} ms after a claim at COS time +${cosNow - BASE} ms is inside the window`,
    );
    // the 2 s margin of LastModified's and Date's truncation, plus a second for Date's truncation here
    assert.ok(refused.retryAt >= t0 + 3000 && refused.retryAt <= t1 + 3000, `retryAt is ${refused.retryAt - t1} ms away`);

    // exactly a window after the real grant: COS's whole seconds cannot show it yet, so still refused
    cosNow = grantedAt + windowMs;
    assert.equal((await worker.claim(policy)).granted, false);

    // the margin has passed: the token comes back, as its next use
    cosNow = BASE + windowMs + 2000;
    assert.deepEqual(await worker.claim(policy), { granted: true });
    assert.deepEqual(tokens('docker.io'), [
      `${BUCKET}/pull-budget/docker.io/tokens/00000/0000000000`,
      `${BUCKET}/pull-budget/docker.io/tokens/00000/0000000001`,
    ]);
  });
});
