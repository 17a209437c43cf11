import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import yaml from 'js-yaml';
import { SIGNATURE_HEADER, signRequest } from '../../lib/util/request-signature.js';
import { startCloudFake, type CloudFake } from '../support/cloud/server.js';
import { functionEnv } from '../support/cloud/functions.js';
import { main_handler } from '../../functions/planner/handler.js';

const ROLE = {
  TENCENTCLOUD_SECRETID: 'AKIDplan0000000000001',
  TENCENTCLOUD_SECRETKEY: 'plan-role-secret-key-0001',
  TENCENTCLOUD_SESSIONTOKEN: 'plan-session-token-0001',
};
const API_KEY = 'plan-hmac-key-for-the-planner-0001';
const BUCKET = 'reports-1250000000';
const QUEUE = 'image-transfer-tasks';
const IMAGES = 20_000;
const SRC = '127.0.0.1:5901';
const DST = '127.0.0.1:5902';

/**
 * A 2 MB rule file of 20,000 images, planned by the planner function through several continuations on a
 * stand-in that enforces SCF Invoke's limits (128 KB async events, a frequency limit lowered here to two
 * Invokes per second so that the worker starts are throttled). No image is copied: planning only.
 */
describe('planning 20,000 images in the cloud (stored rule file, continuations, throttled Invoke)', () => {
  let cloud: CloudFake;
  let env: Record<string, string>;
  /** Continuation events the planner sent itself, run one after the other in this process (as warm SCF instances). */
  const continuations: unknown[] = [];
  let planners = 0;
  const invoked: Array<{ fn: string; bytes: number }> = [];

  before(async () => {
    cloud = await startCloudFake({ secrets: { [ROLE.TENCENTCLOUD_SECRETID]: ROLE.TENCENTCLOUD_SECRETKEY }, tokens: [ROLE.TENCENTCLOUD_SESSIONTOKEN] });
    cloud.cmq.createQueue(QUEUE, { visibilityTimeoutS: 900, maxReceiveCount: 5 });
    cloud.ssm.put('image-transfer/security', 'v1', { string: yaml.dump({ [SRC]: { insecure: true }, [DST]: { insecure: true } }) });
    cloud.ssm.put('image-transfer/api-key', 'v1', { string: API_KEY });
    cloud.handlers['scf.Invoke'] = (p) => {
      const context = String(p.ClientContext);
      invoked.push({ fn: String(p.FunctionName), bytes: Buffer.byteLength(context) });
      if (p.FunctionName === 'image-transfer-planner') continuations.push(JSON.parse(context));
      return { Result: { FunctionRequestId: `req-${invoked.length}` } };
    };
    env = functionEnv(cloud, ROLE);
    Object.assign(process.env, env);
  });

  after(async () => {
    await cloud?.stop();
  });

  it('queues every image exactly once, hands on by a COS key in small events, and retries throttled worker starts', { timeout: 240_000 }, async (t) => {
    const lines = Array.from({ length: IMAGES }, (_, i) => {
      const name = `team-${String(i % 50).padStart(2, '0')}/application-${String(i).padStart(5, '0')}`;
      return `${SRC}/${name}:v1.2.3-build-${String(i).padStart(10, '0')}: ${DST}/mirror/${name}:v1.2.3-build-${String(i).padStart(10, '0')}`;
    });
    const text = `${lines.join('\n')}\n`;
    assert.ok(text.length > 2_000_000, `${text.length} bytes`);
    cloud.objects.set(`${BUCKET}/uploads/rules.yaml`, Buffer.from(text));
    cloud.invokeLimits.limits.perSecond = 2;

    // The planner's clock is this test's: it follows the real one, and every CMQ batch send (16 tasks) costs
    // 20 ms more, so an invocation's 10 s budget queues at most 8,000 tasks however fast the machine is:
    // 20,000 images take at least three invocations, two of them continuations (on a slow machine, more).
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const clock = setInterval(() => mock.timers.tick(20), 20).unref();
    t.after(() => (clearInterval(clock), mock.timers.reset()));
    const send = cloud.cmq.send.bind(cloud.cmq);
    cloud.cmq.send = (name, bodies) => (mock.timers.tick(20), send(name, bodies));
    const body = JSON.stringify({ rulesKey: 'uploads/rules.yaml' });
    // each invocation plans for 10 s (the budget is the time limit less a third), then hands on
    const context = { request_id: 'local', function_name: 'planner', namespace: 'default', time_limit_in_ms: 15000, memory_limit_in_mb: 512 };
    const started = (await main_handler(
      { httpMethod: 'POST', path: '/runs', headers: { [SIGNATURE_HEADER]: signRequest(API_KEY, 'POST', '/runs', body) }, body },
      context,
    )) as { statusCode: number; body: string };
    assert.equal(started.statusCode, 202, started.body);
    const { runId, state } = JSON.parse(started.body) as { runId: string; state: string };
    assert.equal(state, 'continuing');
    for (let i = 0; i < 40 && !cloud.objects.has(`${BUCKET}/runs/${runId}/plan.json`); i++) {
      const event = continuations[planners++];
      assert.ok(event, `a continuation was invoked after invocation ${planners}`);
      await main_handler(event, context);
    }
    const manifest = JSON.parse(cloud.objects.get(`${BUCKET}/runs/${runId}/plan.json`)!.toString()) as { tasks: number; planFailures: number };
    assert.deepEqual([manifest.tasks, manifest.planFailures], [IMAGES, 0]);
    const bodies = cloud.cmq.queues.get(QUEUE)!.messages.map((m) => JSON.parse(m.body) as { taskId: string; target: { repository: string } });
    assert.equal(bodies.length, IMAGES, 'every image queued once');
    assert.equal(new Set(bodies.map((b) => b.taskId)).size, IMAGES, 'no task lost or duplicated');
    assert.ok(planners >= 2, `several continuations (${planners})`);
    const handOns = invoked.filter((i) => i.fn === 'image-transfer-planner');
    assert.ok(Math.max(...handOns.map((c) => c.bytes)) < 200, 'a continuation event carries the cursor key, not the rules');
    assert.equal(invoked.filter((i) => i.fn === 'image-transfer-transfer').length, 4, 'every worker started');
    const throttled = cloud.calls.filter((c) => c.action === 'Invoke' && c.error === 'RequestLimitExceeded').length;
    assert.ok(throttled > 0, 'some Invoke calls were throttled, and retried');
  });
});
