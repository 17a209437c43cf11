import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listCcrInventory, newestFirst, timeOf } from '../../../lib/inventory/ccr.js';
import { InventoryError } from '../../../lib/inventory/errors.js';
import { throttleClient } from '../../../lib/tencent/throttle.js';
import { CloudApiError } from '../../support/tc3-server.js';
import { scrambledTags, type CcrTag } from '../../support/tcr-model.js';
import { fastThrottle, startTcrCloud, type TcrCloud } from './setup.js';

const REGION = 'ap-guangzhou';

function inventory(): { namespaces: string[]; repositories: Record<string, CcrTag[]> } {
  const repositories: Record<string, CcrTag[]> = {};
  for (let i = 0; i < 150; i++)
    repositories[`${i % 2 ? 'team' : 'apps'}/svc${String(i).padStart(3, '0')}`] = scrambledTags(1 + (i % 3), Date.UTC(2024, 1, 1) + i);
  repositories['team/big'] = scrambledTags(250);
  return { namespaces: ['apps', 'empty', 'team'], repositories };
}

describe('CCR inventory through the personal-edition actions', () => {
  let cloud: TcrCloud;
  const api = () => throttleClient(cloud.client(REGION), fastThrottle());
  const offsets = (action: string, filter: (p: Record<string, unknown>) => boolean = () => true) =>
    cloud.server
      .calls(action, { ok: true })
      .filter((r) => filter(r.params))
      .map((r) => r.params.Offset);
  before(async () => {
    cloud = await startTcrCloud();
    cloud.model.setCcr(REGION, inventory());
  });
  after(() => cloud?.stop());

  it('pages over > 100 repositories and > 100 tags with item offsets; ccrTagNums 0 = all tags, newest first', async () => {
    cloud.server.requests.length = 0;
    const inv = await listCcrInventory(api(), { ccrTagNums: 0 });
    assert.deepEqual(inv.namespaces, ['apps', 'empty', 'team']);
    assert.equal(inv.repositories.length, 151);
    assert.deepEqual(inv.failures, []);
    const big = inv.repositories.find((r) => r.name === 'team/big')!;
    assert.equal(big.tags.length, 250);
    assert.deepEqual(big.tags.slice(0, 3), ['v249', 'v248', 'v247']);
    assert.equal(big.tags.at(-1), 'v0');
    assert.deepEqual(offsets('DescribeNamespacePersonal'), [0]);
    assert.deepEqual(offsets('DescribeRepositoryOwnerPersonal'), [0, 100]);
    assert.deepEqual(
      offsets('DescribeImagePersonal', (p) => p.RepoName === 'team/big'),
      [0, 100, 200],
    );
    assert.ok(cloud.server.requests.every((r) => r.params.Limit === undefined || r.params.Limit === 100));
    assert.equal(inv.server, 'ccr.ccs.tencentyun.com');
  });

  it('ccrTagNums > 0 keeps the newest N by push time, whatever order the API lists them in', async () => {
    const inv = await listCcrInventory(api(), { ccrTagNums: 3 });
    assert.deepEqual(inv.repositories.find((r) => r.name === 'team/big')!.tags, ['v249', 'v248', 'v247']);
    assert.deepEqual(inv.repositories.find((r) => r.name === 'team/svc001')!.tags, ['v1', 'v0']);
  });

  it('a server that returns fewer items than Limit loses nothing (the next offset counts items received)', async () => {
    const handlers = cloud.server.services.tcr!.handlers;
    const original = handlers.DescribeImagePersonal!;
    handlers.DescribeImagePersonal = (p, meta) => original({ ...p, Limit: 30 }, meta);
    try {
      const inv = await listCcrInventory(api(), { ccrTagNums: 0 });
      assert.equal(inv.repositories.find((r) => r.name === 'team/big')!.tags.length, 250);
    } finally {
      handlers.DescribeImagePersonal = original;
    }
  });

  it('a repository whose tags cannot be listed is a failure; a failed repository page fails the inventory', async () => {
    cloud.server.failNext('DescribeImagePersonal', 'UnauthorizedOperation', 1);
    const inv = await listCcrInventory(api(), { ccrTagNums: 0, concurrency: 1 });
    assert.equal(inv.repositories.length, 150);
    assert.equal(inv.failures.length, 1);
    assert.match(inv.failures[0]!.message, /DescribeImagePersonal failed: UnauthorizedOperation/);

    const handlers = cloud.server.services.tcr!.handlers;
    const original = handlers.DescribeRepositoryOwnerPersonal!;
    handlers.DescribeRepositoryOwnerPersonal = (p, meta) => {
      if (p.Offset === 100) throw new CloudApiError('UnauthorizedOperation', 'page two is broken');
      return original(p, meta);
    };
    try {
      await assert.rejects(listCcrInventory(api(), { ccrTagNums: 0 }), (e: unknown) => {
        assert.ok(e instanceof InventoryError);
        assert.equal(e.code, 'CCR_LIST_FAILED');
        assert.match(e.message, /DescribeRepositoryOwnerPersonal/);
        return true;
      });
    } finally {
      handlers.DescribeRepositoryOwnerPersonal = original;
    }
  });

  it('is scoped to the client region', async () => {
    const inv = await listCcrInventory(throttleClient(cloud.client('ap-hongkong'), fastThrottle()), { ccrTagNums: 0 });
    assert.deepEqual(inv, { namespaces: [], repositories: [], failures: [], server: 'ccr.ccs.tencentyun.com' });
  });

  it('push times: API formats are ordered, unparsable ones last', () => {
    assert.ok(timeOf('2024-01-01 08:00:00') === Date.parse('2024-01-01T00:00:00Z'));
    assert.ok(timeOf('2024-01-01T00:00:01.5Z') > timeOf('2024-01-01 08:00:00'));
    const tags = [
      { name: 'old', pushedAt: timeOf('2023-01-01 00:00:00') },
      { name: 'unknown', pushedAt: timeOf('yesterday') },
      { name: 'new', pushedAt: timeOf('2025-01-01 00:00:00') },
    ];
    assert.deepEqual(newestFirst(tags), ['new', 'old', 'unknown']);
  });
});
