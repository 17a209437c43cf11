import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planBootstrap, planUnbootstrap, type BootstrapState } from '../../../lib/deploy/bootstrap.js';
import { Deployment, grantedBy, executionActions, executionPolicy } from '../../../lib/deploy/index.js';
import { description } from '../../../serverless.js';

const d = Deployment.parse({ ...description, queue: { kind: 'tdmq-cmq' } });
const expiry = { days: 3, prefixes: ['pull-budget/'], tagged: { prefix: 'runs/', key: 'image-transfer-expire', value: 'plan' } };
const empty: BootstrapState = { secrets: {}, queues: {} };
const calls = (plan: ReadonlyArray<{ service: string; action: string }>) => plan.map((a) => `${a.service}.${a.action}`);

describe('bootstrap plan', () => {
  it('creates everything on an empty account, dead-letter queue before the queue that names it', () => {
    assert.deepEqual(calls(planBootstrap(d, empty, expiry)), [
      'cam.CreateRole',
      'cam.CreatePolicy',
      'cam.AttachRolePolicy',
      'cos.PutBucket',
      'cos.PutBucketTagging',
      'cos.PutBucketLifecycle',
      'ssm.CreateSecret',
      'ssm.CreateSecret',
      'tdmq.CreateCmqQueue',
      'tdmq.CreateCmqQueue',
    ]);
    const queues = planBootstrap(d, empty, expiry).filter((a) => a.service === 'tdmq');
    assert.deepEqual(
      queues.map((a) => a.params.QueueName),
      ['image-transfer-tasks-dlq', 'image-transfer-tasks'],
    );
  });

  it('holds no secret value: the value is added when the call is made', () => {
    for (const a of planBootstrap(d, empty, expiry).filter((x) => x.action === 'CreateSecret')) {
      assert.ok(a.secret);
      assert.equal(a.params.SecretString, undefined);
      assert.equal(a.params.SecretBinary, undefined);
    }
  });

  it('touches nothing that exists: an existing role only gets the policy attached, an existing bucket keeps its lifecycle', () => {
    const partial: BootstrapState = {
      role: { ours: false },
      policy: { id: 7, ours: true, attached: false },
      bucket: { ours: false },
      secrets: { security: { ours: false } },
      queues: { 'image-transfer-tasks': { ours: false }, 'image-transfer-tasks-dlq': { ours: false } },
    };
    assert.deepEqual(calls(planBootstrap(d, partial, expiry)), ['cam.AttachRolePolicy', 'ssm.CreateSecret']);
    const all: BootstrapState = { ...partial, policy: { id: 7, ours: true, attached: true }, secrets: { security: { ours: true }, apiKey: { ours: true } } };
    assert.deepEqual(planBootstrap(d, all, expiry), []);
  });

  it('undeploy removes only what carries the mark, and a bucket with objects only with --force', () => {
    const state: BootstrapState = {
      role: { ours: false },
      policy: { id: 7, ours: true, attached: true },
      bucket: { ours: true },
      secrets: { security: { ours: false }, apiKey: { ours: true } },
      queues: { 'image-transfer-tasks': { ours: true }, 'image-transfer-tasks-dlq': { ours: true } },
    };
    assert.throws(() => planUnbootstrap(d, state, ['runs/x/report.json'], false), /still holds 1 objects .* --force/);
    assert.deepEqual(calls(planUnbootstrap(d, state, ['runs/x/report.json'], true)), [
      'tdmq.DeleteCmqQueue',
      'tdmq.DeleteCmqQueue',
      'ssm.DeleteSecret',
      'cos.DeleteObject',
      'cos.DeleteBucket',
      'cam.DetachRolePolicy',
      'cam.DeletePolicy',
    ]);
  });
});

describe('execution policy', () => {
  it('grants each action of the mode and only COS on the bucket', () => {
    const doc = executionPolicy(d);
    const granted = grantedBy(doc);
    assert.deepEqual(
      executionActions(d).filter((a) => !granted(a)),
      [],
    );
    assert.ok(!granted('cam:CreateRole') && !granted('scf:CreateFunction'));
    assert.match(doc, /qcs::cos:ap-guangzhou:uid\/1250000000:image-transfer-reports-1250000000\/image-transfer\/\*/);
    const scfAsync = Deployment.parse(description);
    assert.ok(!grantedBy(executionPolicy(scfAsync))('cmqqueue:DeleteMessage'));
  });

  it('reads wildcards and the name/ prefix of CAM policies; a deny in any attached policy wins', () => {
    const allow = JSON.stringify({ version: '2.0', statement: [{ effect: 'allow', action: ['name/cos:*', 'ssm:Get*', 'scf:InvokeFunction'] }] });
    const deny = JSON.stringify({ version: '2.0', statement: [{ effect: 'deny', action: 'name/scf:*' }] });
    const g = grantedBy(allow, deny);
    assert.ok(g('cos:PutObject') && g('ssm:GetSecretValue'));
    assert.ok(!g('ssm:ListSecretVersionIds'));
    assert.ok(grantedBy(allow)('scf:InvokeFunction') && !g('scf:InvokeFunction'));
    assert.ok(grantedBy(JSON.stringify({ version: '2.0', statement: [{ effect: 'allow', action: '*' }] }))('tcr:CreateRepository'));
    assert.ok(!grantedBy('not json')('cos:PutObject'));
  });

  it('refuses secret names SSM does not accept, naming the field', () => {
    const bad = Deployment.safeParse({ ...description, secrets: { security: 'image-transfer/security', apiKey: 'k' } });
    assert.ok(!bad.success && bad.error.issues.some((i) => i.path.join('.') === 'secrets.security'));
    assert.ok(Deployment.safeParse({ ...description, secrets: { security: 'cos:security.yaml', apiKey: 'k' } }).success);
  });
});
