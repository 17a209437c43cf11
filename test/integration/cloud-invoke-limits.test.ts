import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { invokeAsync } from '../../lib/queue/index.js';
import { scfClient } from '../../lib/tencent/clients.js';
import { ApiThrottle, staticCredential, throttleClient } from '../../lib/tencent/index.js';
import { startCloudFake, type CloudFake } from '../support/cloud/server.js';

const KEY = { secretId: 'AKIDlimit00000000001', secretKey: 'limit-secret-key-0001' };
const target = { functionName: 'image-transfer-transfer' };

/** SCF Invoke's documented limits, as the stand-in enforces them, through the real SDK. */
describe('SCF Invoke limits on the cloud stand-in', () => {
  let cloud: CloudFake;
  let scf: ReturnType<typeof scfClient>;
  const events: string[] = [];

  before(async () => {
    cloud = await startCloudFake({ secrets: { [KEY.secretId]: KEY.secretKey } });
    cloud.handlers['scf.Invoke'] = (p) => (events.push(String(p.ClientContext)), { Result: { FunctionRequestId: `req-${events.length}` } });
    scf = scfClient(staticCredential(KEY), { region: 'ap-guangzhou', proxy: cloud.proxy });
  });
  after(() => cloud?.stop());

  it('refuses an async event over 128 KB (InvalidParameterValue) but takes it synchronously (up to 6 MB)', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(128 * 1024) });
    await assert.rejects(scf.Invoke({ FunctionName: target.functionName, InvocationType: 'Event', ClientContext: big }), (err: { code?: string }) => {
      assert.equal(err.code, 'InvalidParameterValue');
      return true;
    });
    await scf.Invoke({ FunctionName: target.functionName, InvocationType: 'RequestResponse', ClientContext: big });
    assert.equal(events.length, 1);
  });

  it('invokeAsync refuses an oversized event before calling, naming its size', async () => {
    const calls = cloud.calls.length;
    await assert.rejects(invokeAsync(scf, target, { pad: 'x'.repeat(200_000) }), /is 200010 bytes; SCF async events are at most 131072/);
    assert.equal(cloud.calls.length, calls, 'no call made');
  });

  it('answers RequestLimitExceeded past the frequency limit; the throttled client retries with backoff and loses none', async () => {
    const before = events.length;
    cloud.invokeLimits.limits.perSecond = 0; // the limit is spent
    await assert.rejects(invokeAsync(scf, target, { n: 0 }), (err: { code?: string }) => err.code === 'RequestLimitExceeded');
    // 3 a second: 8 invocations need about 3 s, well within the retries' backoff (at least 12 s in all)
    cloud.invokeLimits.limits.perSecond = 3;
    const paced = throttleClient(scf, new ApiThrottle({ actionQps: { Invoke: 90 }, retries: 6 }));
    await Promise.all(Array.from({ length: 8 }, (_, i) => invokeAsync(paced, target, { n: 100 + i })));
    const delivered = events.slice(before).map((e) => (JSON.parse(e) as { n: number }).n);
    for (let i = 0; i < 8; i++) assert.ok(delivered.includes(100 + i), `invocation ${100 + i} delivered`);
  });
});
