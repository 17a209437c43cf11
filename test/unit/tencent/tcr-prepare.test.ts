import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InventoryError } from '../../../lib/inventory/errors.js';
import { instanceTokenLogin } from '../../../lib/inventory/tcr-token.js';
import { createTcrNamespaces, createTcrRepositories, listTcrNamespaces, listTcrRepositories, resolveTcrInstance } from '../../../lib/inventory/tcr.js';
import { throttleClient } from '../../../lib/tencent/throttle.js';
import { redact } from '../../../lib/util/redact.js';
import { fastThrottle, startTcrCloud, type TcrCloud } from './setup.js';

describe('TCR preparation through the enterprise actions', () => {
  let cloud: TcrCloud;
  const api = (region = 'ap-guangzhou') => throttleClient(cloud.client(region), fastThrottle());
  before(async () => {
    cloud = await startTcrCloud();
    const many = Array.from({ length: 230 }, (_, i) => `ns${String(i).padStart(3, '0')}`);
    cloud.model.addInstance({ name: 'prod-2', region: 'ap-guangzhou', id: 'tcr-prod2' });
    cloud.model.addInstance({ name: 'prod', region: 'ap-guangzhou', id: 'tcr-prod', namespaces: many, repositories: many.map((n) => `${n}/app`) });
    cloud.model.addInstance({ name: 'staging', region: 'ap-shanghai', id: 'tcr-staging', namespaces: ['team'] });
  });
  after(() => cloud?.stop());

  it('resolves the instance by exact name in the region; a missing one is a clear error, not a crash', async () => {
    const found = await resolveTcrInstance(api(), 'prod', 'ap-guangzhou');
    assert.equal(found.registryId, 'tcr-prod');
    const call = cloud.server.calls('DescribeInstances').at(-1)!;
    assert.deepEqual(call.params.Filters, [{ Name: 'RegistryName', Values: ['prod'] }]);
    await assert.rejects(resolveTcrInstance(api(), 'staging', 'ap-guangzhou'), (e: unknown) => {
      assert.ok(e instanceof InventoryError);
      assert.equal(e.code, 'TCR_INSTANCE_NOT_FOUND');
      assert.match(e.message, /"staging" not found in region ap-guangzhou; .* is in ap-shanghai \(use --tcrRegion ap-shanghai\)/);
      return true;
    });
    await assert.rejects(resolveTcrInstance(api(), 'nope', 'ap-guangzhou'), /"nope" not found in region ap-guangzhou \(check --tcrName and --tcrRegion\)/);
  });

  it('lists namespaces and repositories with page numbers (Offset = 1, 2, 3)', async () => {
    cloud.server.requests.length = 0;
    const namespaces = await listTcrNamespaces(api(), 'tcr-prod');
    assert.equal(namespaces.size, 230);
    assert.deepEqual(
      cloud.server.calls('DescribeNamespaces').map((r) => [r.params.Offset, r.params.Limit]),
      [
        [1, 100],
        [2, 100],
        [3, 100],
      ],
    );
    const repos = await listTcrRepositories(api(), 'tcr-prod');
    assert.equal(repos.size, 230);
    assert.ok(repos.has('ns229/app'));
    assert.deepEqual(
      cloud.server.calls('DescribeRepositories').map((r) => r.params.Offset),
      [1, 2, 3],
    );
  });

  it('creates namespaces (private) and repositories idempotently: "already exists" is success', async () => {
    const a = api('ap-shanghai');
    const first = await createTcrNamespaces(a, 'tcr-staging', ['team', 'infra', 'web']);
    assert.deepEqual(first, { created: ['infra', 'web'], existed: ['team'], failures: [] });
    assert.equal(cloud.model.instance('tcr-staging').namespaces.get('infra'), false, 'private');
    const again = await createTcrNamespaces(a, 'tcr-staging', ['team', 'infra', 'web']);
    assert.deepEqual(again, { created: [], existed: ['infra', 'team', 'web'], failures: [] });
    const repos = await createTcrRepositories(a, 'tcr-staging', ['team/api', 'infra/db']);
    assert.deepEqual(repos.created, ['infra/db', 'team/api']);
    const repeat = await createTcrRepositories(a, 'tcr-staging', ['team/api', 'infra/db', 'ghost/x']);
    assert.deepEqual(repeat.existed, ['infra/db', 'team/api']);
    assert.deepEqual(
      repeat.failures.map((f) => f.name),
      ['ghost/x'],
    );
    assert.match(repeat.failures[0]!.message, /ResourceNotFound\.ErrNoNamespace/);
    const bad = await createTcrNamespaces(a, 'tcr-staging', ['Bad Name']);
    assert.match(bad.failures[0]!.message, /CreateNamespace failed: InvalidParameter/);
  });

  it('registry login from CreateInstanceToken: cached, renewed before expiry, one renewal for concurrent callers', async () => {
    cloud.model.tokenTtlMs = 10 * 60_000;
    let now = Date.now();
    const login = instanceTokenLogin(api(), 'tcr-prod', { marginMs: 5 * 60_000, now: () => now });
    const issued = () => cloud.model.tokens.filter((t) => t.registryId === 'tcr-prod').length;
    const before = issued();
    const [c1, c2] = await Promise.all([login(), login()]);
    assert.equal(issued() - before, 1);
    assert.deepEqual(c1, c2);
    assert.equal(c1.username, '100012345678');
    assert.equal(redact(`token ${c1.password}`), 'token ***', 'the token is a registered secret');
    assert.equal(cloud.server.calls('CreateInstanceToken').at(-1)!.params.TokenType, 'temp');
    now += 4 * 60_000;
    assert.deepEqual(await login(), c1, 'still valid beyond the margin');
    now += 2 * 60_000;
    const renewed = await login();
    assert.equal(issued() - before, 2);
    assert.notEqual(renewed.password, c1.password);
    assert.ok(login.expiresAt! > now);
    await assert.rejects(instanceTokenLogin(api(), 'tcr-missing')(), (e: unknown) => e instanceof InventoryError && e.code === 'TCR_TOKEN_FAILED');
  });
});
