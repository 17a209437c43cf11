import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { main_handler } from '../../functions/transfer/handler.js';
import { WorkerLease } from '../../lib/usecases/index.js';
import { startCloudFake, type CloudFake } from '../support/cloud/server.js';
import { functionEnv } from '../support/cloud/functions.js';

const ROLE = {
  TENCENTCLOUD_SECRETID: 'AKIDwork0000000000001',
  TENCENTCLOUD_SECRETKEY: 'work-role-secret-key-0001',
  TENCENTCLOUD_SESSIONTOKEN: 'work-session-token-0001',
};
const BUCKET = 'reports-1250000000';
const context = { request_id: 'local', function_name: 'transfer', namespace: 'default', time_limit_in_ms: 900_000, memory_limit_in_mb: 512 };
const timer = { Type: 'Timer', TriggerName: 'restart-workers', Time: '2026-12-01T00:00:00Z' };

/** TDMQ-CMQ workers on the cloud stand-in, in this process (warm SCF instances), against a queue that refuses receives. */
describe('TDMQ-CMQ workers: failed receives are recorded, restarts are bounded', () => {
  let cloud: CloudFake;
  const started: Array<{ slot: number; generation: number }> = [];
  const lease = (slot: number) => {
    const body = cloud.objects.get(`${BUCKET}/workers/${String(slot).padStart(3, '0')}.json`);
    return body ? WorkerLease.parse(JSON.parse(body.toString())) : undefined;
  };
  const putLease = (l: WorkerLease) => cloud.objects.set(`${BUCKET}/workers/${String(l.slot).padStart(3, '0')}.json`, Buffer.from(JSON.stringify(l)));

  before(async () => {
    cloud = await startCloudFake({ secrets: { [ROLE.TENCENTCLOUD_SECRETID]: ROLE.TENCENTCLOUD_SECRETKEY }, tokens: [ROLE.TENCENTCLOUD_SESSIONTOKEN] });
    cloud.cmq.createQueue('image-transfer-tasks', { visibilityTimeoutS: 960, maxReceiveCount: 5 });
    cloud.handlers['scf.Invoke'] = (p) => {
      started.push((JSON.parse(String(p.ClientContext)) as { worker: { slot: number; generation: number } }).worker);
      return { Result: { FunctionRequestId: `req-${started.length}` } };
    };
    // a queue name that does not exist: every receive is refused (CMQ code 4440)
    Object.assign(process.env, functionEnv(cloud, ROLE, { IT_CMQ_QUEUE: 'image-transfer-taks', IT_SECURITY: 'cos:security.yaml' }));
  });

  after(async () => {
    await cloud?.stop();
  });

  it('a worker that cannot receive retries a bounded number of times, records why in its slot, and fails loudly', async () => {
    await assert.rejects(main_handler({ worker: { slot: 0, generation: 3 } }, context), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'QUEUE_RECEIVE_FAILED');
      assert.match(err.message, /could not receive from the queue \(3 attempts\): .*does not exist/);
      return true;
    });
    const recorded = lease(0)!;
    assert.equal(recorded.state, 'failed');
    assert.equal(recorded.receiveFailures, 3);
    assert.equal(recorded.generation, 3);
    assert.match(recorded.error!.message, /image-transfer-taks does not exist/);
    assert.equal(cloud.calls.filter((c) => c.service === 'cmq' && c.action === 'BatchReceiveMessage').length, 3);
    assert.deepEqual(started, [], 'a failed worker does not hand on to another invocation');
  });

  it('the restart timer starts workers only in free slots: not the live one, not the one that just failed', async () => {
    const now = Date.now();
    putLease({ slot: 1, state: 'running', until: now + 600_000, at: new Date(now).toISOString(), generation: 0 });
    putLease({ slot: 2, state: 'stopped', until: 0, at: new Date(now).toISOString(), generation: 5 });
    assert.deepEqual(await main_handler(timer, context), { restarted: 2 });
    assert.deepEqual(started.map((s) => s.slot).sort(), [2, 3]);
    assert.equal(lease(3)!.state, 'starting');
    assert.deepEqual(await main_handler(timer, context), { restarted: 0 }, 'a second tick starts no more');
    // once the failed slot's backoff has passed and the live worker's lease expired, both are restarted
    putLease({ ...lease(0)!, at: new Date(now - 6 * 60_000).toISOString() });
    putLease({ ...lease(1)!, until: now - 1 });
    assert.deepEqual(await main_handler(timer, context), { restarted: 2 });
    assert.deepEqual(started.map((s) => s.slot).sort(), [0, 1, 2, 3]);
  });
});
