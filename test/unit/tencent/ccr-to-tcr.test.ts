import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InventoryError } from '../../../lib/inventory/errors.js';
import { TransferTask, taskIdOf } from '../../../lib/planner/index.js';
import { createCcrTcrClients } from '../../../lib/tencent/sdk.js';
import { planCcrToTcr, tcrRegistryLogin, type CcrToTcrDeps, type CcrToTcrOptions } from '../../../lib/usecases/index.js';
import { scrambledTags } from '../../support/tcr-model.js';
import { fastThrottle, KEY, startTcrCloud, type TcrCloud } from './setup.js';

const base: CcrToTcrOptions = {
  runId: 'run-1',
  ccrRegion: 'ap-guangzhou',
  tcrName: 'mytcr',
  tcrRegion: 'ap-shanghai',
  ccrTagNums: 3,
  tagExistOverridden: false,
};
const HOSTS = { ccrHost: '127.0.0.1:5001', tcrHost: '127.0.0.1:5002' };

describe('planCcrToTcr: CCR personal edition -> TCR enterprise in one call', () => {
  let cloud: TcrCloud;
  let deps: CcrToTcrDeps;
  const creates = () => cloud.server.requests.filter((r) => r.action.startsWith('Create') && r.action !== 'CreateInstanceToken').length;
  before(async () => {
    cloud = await startTcrCloud();
    cloud.model.setCcr('ap-guangzhou', {
      namespaces: ['apps', 'empty', 'team'],
      repositories: { 'apps/web': scrambledTags(5), 'team/api': scrambledTags(2), 'team/big': scrambledTags(120) },
    });
    cloud.model.addInstance({ name: 'mytcr', region: 'ap-shanghai', id: 'tcr-my', namespaces: ['team'], repositories: ['team/api'] });
    deps = createCcrTcrClients({
      credentials: { ccr: KEY, tcr: KEY },
      ccrRegion: 'ap-guangzhou',
      tcrRegion: 'ap-shanghai',
      endpoint: cloud.server.endpoint,
      throttle: fastThrottle(),
    });
  });
  after(() => cloud?.stop());

  it('dry run: previews what would be created and planned, and creates nothing', async () => {
    const plan = await planCcrToTcr(deps, { ...base, ...HOSTS, dryRun: true });
    assert.deepEqual(plan.preview, { namespacesToCreate: ['apps', 'empty'], repositoriesToCreate: ['apps/web', 'team/big'], images: 8 });
    assert.equal(plan.tasks.length, 8);
    assert.equal(creates(), 0);
    assert.deepEqual([...cloud.model.instance('tcr-my').namespaces.keys()], ['team']);
  });

  it('creates the missing namespaces and repositories, then plans one task per repository:tag', async () => {
    const plan = await planCcrToTcr(deps, { ...base, ...HOSTS });
    assert.deepEqual(plan.failures, []);
    const instance = cloud.model.instance('tcr-my');
    assert.deepEqual([...instance.namespaces.entries()].sort(), [
      ['apps', false],
      ['empty', false],
      ['team', false],
    ]);
    assert.deepEqual([...instance.repositories].sort(), ['apps/web', 'team/api', 'team/big']);
    assert.deepEqual(
      plan.tasks.map((t) => `${t.source.repository}:${t.source.reference}`),
      ['apps/web:v4', 'apps/web:v3', 'apps/web:v2', 'team/api:v1', 'team/api:v0', 'team/big:v119', 'team/big:v118', 'team/big:v117'],
    );
    const task = TransferTask.parse(plan.tasks[5]);
    assert.deepEqual(task.source, { registry: '127.0.0.1:5001', repository: 'team/big', reference: 'v119' });
    assert.deepEqual(task.target, { registry: '127.0.0.1:5002', repository: 'team/big', reference: 'v119' });
    assert.equal(task.taskId, taskIdOf(task.source, task.target));
    assert.equal(task.overwrite, 'never');
    assert.equal(task.runId, 'run-1');
    assert.deepEqual(task.rule, { source: '127.0.0.1:5001/team/big:v119', target: '127.0.0.1:5002/team/big:v119' });
    assert.equal(plan.registryId, 'tcr-my');

    const again = await planCcrToTcr(deps, { ...base, ...HOSTS, tagExistOverridden: true, ccrTagNums: 0 });
    assert.deepEqual(again.preview, { namespacesToCreate: [], repositoriesToCreate: [], images: 127 });
    assert.ok(again.tasks.every((t) => t.overwrite === 'if-changed'));
  });

  it('default hosts come from the region table and the instance name; the TCR login is an instance token', async () => {
    const plan = await planCcrToTcr(deps, { ...base, dryRun: true });
    assert.equal(plan.ccrHost, 'ccr.ccs.tencentyun.com');
    assert.equal(plan.tcrHost, 'mytcr.tencentcloudcr.com');
    assert.equal(plan.tasks[0]!.rule.source, 'ccr.ccs.tencentyun.com/apps/web:v4');
    const login = tcrRegistryLogin(deps, plan.registryId);
    const credentials = await login();
    assert.equal(credentials.password, cloud.model.tokens.at(-1)!.token);
    assert.deepEqual(await plan.tcrLogin(), { username: '100012345678', password: cloud.model.tokens.at(-1)!.token });
  });

  it('a namespace that cannot be created excludes its repositories as failures; the rest is planned', async () => {
    cloud.model.addInstance({ name: 'other', region: 'ap-shanghai', id: 'tcr-other' });
    cloud.server.failNext('CreateNamespace', 'UnauthorizedOperation', 1);
    const plan = await planCcrToTcr(deps, { ...base, ...HOSTS, tcrName: 'other', concurrency: 1 });
    assert.deepEqual(
      plan.failures.map((f) => [f.rule.source, f.error.code]),
      [['127.0.0.1:5001/apps/web', 'TCR_NAMESPACE_FAILED']],
    );
    assert.match(plan.failures[0]!.error.message, /cannot create namespace apps: CreateNamespace failed: UnauthorizedOperation/);
    assert.ok(plan.tasks.every((t) => !t.source.repository.startsWith('apps/')));
    assert.equal(plan.tasks.length, 5);
  });

  it('an unknown instance fails with TCR_INSTANCE_NOT_FOUND; raw clients can be throttled through deps', async () => {
    const raw = { ccrApi: cloud.client('ap-guangzhou'), tcrApi: cloud.client('ap-beijing'), throttle: fastThrottle() };
    await assert.rejects(
      planCcrToTcr(raw, { ...base, tcrRegion: 'ap-beijing' }),
      (e: unknown) => e instanceof InventoryError && e.code === 'TCR_INSTANCE_NOT_FOUND' && /ap-shanghai/.test(e.message),
    );
  });
});
