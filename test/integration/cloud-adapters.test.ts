import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TransferTask } from '../../lib/planner/index.js';
import { CmqQueue, ScfAsyncSink } from '../../lib/queue/index.js';
import { CosObjectStore } from '../../lib/store/cos.js';
import { scfClient, ssmClient } from '../../lib/tencent/clients.js';
import { scfRoleCredential, staticCredential } from '../../lib/tencent/cloud-credential.js';
import { startCloudFake, type CloudFake } from '../support/cloud/server.js';
import { taskOf } from '../support/tasks.js';

const KEY = { secretId: 'AKIDtest000000000001', secretKey: 'fake-secret-key-value-0001', token: 'session-token-0001' };
const task = (i: number): TransferTask =>
  taskOf(
    'r1',
    { registry: 'src.example.com', repository: `team/app${i}`, reference: 'v1' },
    { registry: 'dst.example.com', repository: `team/app${i}`, reference: 'v1' },
  );

describe('Tencent Cloud adapters against a signature-checking local fake', () => {
  let cloud: CloudFake;
  before(async () => {
    cloud = await startCloudFake({ secrets: { [KEY.secretId]: KEY.secretKey }, tokens: [KEY.token] });
  });
  after(() => cloud?.stop());

  it('COS report store: put, get, list with paging, 404 as undefined; wrong keys are refused', async () => {
    const store = new CosObjectStore({
      bucket: 'reports-1250000000',
      region: 'ap-guangzhou',
      prefix: 'it',
      credential: staticCredential(KEY),
      proxy: cloud.proxy,
    });
    for (let i = 0; i < 3; i++) await store.put(`runs/r1/results/t${i}.json`, `{"i":${i}}`, 'application/json');
    assert.equal(await store.get('runs/r1/results/t1.json'), '{"i":1}');
    assert.equal(await store.get('runs/r1/nothing.json'), undefined);
    assert.deepEqual(await store.list('runs/r1/results/'), ['runs/r1/results/t0.json', 'runs/r1/results/t1.json', 'runs/r1/results/t2.json']);
    assert.ok(cloud.objects.has('reports-1250000000/it/runs/r1/results/t0.json'));
    const permanent = new CosObjectStore({
      bucket: 'reports-1250000000',
      region: 'ap-guangzhou',
      credential: staticCredential({ secretId: KEY.secretId, secretKey: KEY.secretKey }),
      proxy: cloud.proxy,
    });
    await permanent.put('permanent.json', '{}', 'application/json');
    assert.equal(await permanent.get('permanent.json'), '{}', 'permanent keys (no session token) work too');
    const forged = new CosObjectStore({
      bucket: 'reports-1250000000',
      region: 'ap-guangzhou',
      credential: staticCredential({ ...KEY, secretKey: 'wrong' }),
      proxy: cloud.proxy,
    });
    await assert.rejects(forged.put('x.json', '{}', 'application/json'), /SignatureDoesNotMatch/);
  });

  it('TDMQ-CMQ: batches of 16, long poll, ack, redelivery after the visibility timeout, dead letter after max receives', async () => {
    cloud.cmq.createQueue('tasks', { visibilityTimeoutS: 1, maxReceiveCount: 2, deadLetterQueue: 'tasks-dlq' });
    cloud.cmq.createQueue('tasks-dlq', { visibilityTimeoutS: 30, maxReceiveCount: 1000 });
    const queue = new CmqQueue({ endpoint: cloud.cmqEndpoint, queueName: 'tasks', credential: staticCredential(KEY) });
    const before = cloud.calls.filter((c) => c.action === 'BatchSendMessage').length;
    await queue.send(Array.from({ length: 20 }, (_, i) => task(i)));
    assert.equal(cloud.calls.filter((c) => c.action === 'BatchSendMessage').length - before, 2);
    const first = await queue.receive(16, 1);
    assert.equal(first.length, 16);
    for (const m of first.slice(0, 15)) await m.ack();
    const rest = await queue.receive(16, 1);
    assert.equal(rest.length, 4);
    for (const m of rest) await m.ack();
    const again = await queue.receive(16, 2);
    assert.equal(again.length, 1, 'the unacknowledged message comes back');
    assert.equal(again[0]!.deliveries, 2);
    await new Promise((r) => setTimeout(r, 1100));
    assert.deepEqual(await queue.receive(16, 0), []);
    assert.equal(cloud.cmq.depth('tasks-dlq'), 1, 'moved to the dead-letter queue after 2 receives');
    const forged = new CmqQueue({ endpoint: cloud.cmqEndpoint, queueName: 'tasks', credential: staticCredential({ ...KEY, secretKey: 'wrong' }) });
    await assert.rejects(forged.send([task(99)]), /authentication failed/);
  });

  it('SCF async invoke and SSM through the real SDK, with SCF role credentials read at call time', async () => {
    const invoked: unknown[] = [];
    cloud.handlers['scf.Invoke'] = (params) => {
      invoked.push(params);
      return { Result: { FunctionRequestId: 'req-1', RetMsg: '' } };
    };
    cloud.ssm.put('image-transfer/security', 'v1', { string: 'registry.example.com: {username: u, password: p}' });
    const env: Record<string, string | undefined> = {};
    const credential = scfRoleCredential(env);
    const sink = new ScfAsyncSink(scfClient(credential, { region: 'ap-guangzhou', proxy: cloud.proxy }), 'image-transfer-transfer');
    await assert.rejects(sink.send([task(1)]), /TENCENTCLOUD_SECRETID/);
    Object.assign(env, { TENCENTCLOUD_SECRETID: KEY.secretId, TENCENTCLOUD_SECRETKEY: KEY.secretKey, TENCENTCLOUD_SESSIONTOKEN: KEY.token });
    await sink.send([task(1), task(2)]);
    assert.equal(invoked.length, 2);
    assert.equal((invoked[0] as { InvocationType: string }).InvocationType, 'Event');
    assert.equal(JSON.parse((invoked[0] as { ClientContext: string }).ClientContext).task.taskId, task(1).taskId);
    const ssm = ssmClient(credential, { region: 'ap-guangzhou', proxy: cloud.proxy });
    const secret = await ssm.GetSecretValue({ SecretName: 'image-transfer/security', VersionId: 'v1' });
    assert.match(secret.SecretString ?? '', /registry\.example\.com/);
    env.TENCENTCLOUD_SECRETKEY = 'rotated-but-wrong';
    await assert.rejects(ssm.GetSecretValue({ SecretName: 'x', VersionId: 'v1' }), /signature does not match/);
  });
});
