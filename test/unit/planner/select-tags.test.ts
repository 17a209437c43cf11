import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectTags, versionOf } from '../../../lib/planner/index.js';
import type { TagFilter } from '../../../lib/rules/index.js';

const filter = (f: Partial<TagFilter>): TagFilter => ({ prerelease: false, sortBy: 'semver', ...f });
const none = async () => undefined;
const now = new Date('2026-06-01T00:00:00Z');

describe('versionOf', () => {
  it('reads full versions loosely and short numeric tags as versions, nothing else', () => {
    assert.equal(versionOf('=1.2.3'), '1.2.3', 'loose semver');
    assert.equal(versionOf('v10'), '10.0.0');
    assert.equal(versionOf('10.20'), '10.20.0');
    assert.equal(versionOf('v1.22'), '1.22.0');
    assert.equal(versionOf('1.2.3.4'), undefined);
    assert.equal(versionOf('1.2-alpine'), undefined);
    assert.equal(versionOf('v1.2.3-rc.1'), '1.2.3-rc.1');
  });
});

describe('selectTags', () => {
  const tags = ['latest', 'v1.0.0', 'v1.1.0-rc.1', 'v1.1.0', 'v2.0.0-beta', 'dev'];

  it('returns every tag without a filter', async () => {
    assert.deepEqual(await selectTags(tags, undefined, none, now), tags);
  });

  it('keeps a tag matching any include and drops a tag matching any exclude', async () => {
    assert.deepEqual(await selectTags(tags, filter({ include: [/^latest$/, /^dev$/] }), none, now), ['latest', 'dev']);
    assert.deepEqual(await selectTags(tags, filter({ exclude: [/^latest$/, /^dev$/] }), none, now), ['v1.0.0', 'v1.1.0-rc.1', 'v1.1.0', 'v2.0.0-beta']);
  });

  // invariant: "latest N" by version never picks a pre-release unless pre-releases are asked for
  it('leaves pre-releases out of latest N by version, unless asked for', async () => {
    assert.deepEqual(await selectTags(tags, filter({ latest: 2 }), none, now), ['v1.1.0', 'v1.0.0']);
    assert.deepEqual(await selectTags(tags, filter({ latest: 2, prerelease: true }), none, now), ['v2.0.0-beta', 'v1.1.0']);
    assert.deepEqual(await selectTags(tags, filter({ prerelease: false }), none, now), tags, 'without latest, no version filter');
  });

  it('matches a semver range loosely (a "=1.1.0" tag is a version)', async () => {
    assert.deepEqual(await selectTags(['=1.1.0', 'v0.9.0'], filter({ semver: '^1' }), none, now), ['=1.1.0']);
  });

  it('keeps an image created exactly at the pushed-within limit, and asks creation times only when needed', async () => {
    const created: Record<string, Date> = { a: new Date(now.getTime() - 1000), b: new Date(now.getTime() - 1001) };
    assert.deepEqual(await selectTags(['a', 'b'], filter({ pushedWithinMs: 1000 }), async (t) => created[t], now), ['a']);
    const fail = async (): Promise<Date | undefined> => assert.fail('no creation time is needed');
    assert.deepEqual(await selectTags(['v1.0.0', 'v2.0.0'], filter({ latest: 1, sortBy: 'semver' }), fail, now), ['v2.0.0']);
  });
});

// survivors of the mutation run (docs/mutation-testing.md): select-tags.ts:34 and :37
describe('selectTags: latest N, by push time or by version', () => {
  const pushed: Record<string, string> = {
    'v1.0.0': '2026-01-01T00:00:00Z',
    'v1.1.0': '2026-02-01T00:00:00Z',
    'v2.0.0-rc.1': '2026-03-01T00:00:00Z',
    nightly: '2026-04-01T00:00:00Z',
  };
  const createdOf = async (tag: string) => new Date(pushed[tag]!);

  it('keeps pre-releases when the latest N are chosen by push time (pre-releases are left out by version only)', async () => {
    const picked = await selectTags(Object.keys(pushed), filter({ sortBy: 'pushed', latest: 2 }), createdOf, now);
    assert.deepEqual([...picked].sort(), ['nightly', 'v2.0.0-rc.1']);
  });

  it('asks no creation time when the latest N are chosen by version', async () => {
    const asked: string[] = [];
    const picked = await selectTags(Object.keys(pushed), filter({ sortBy: 'semver', latest: 1 }), async (t) => (asked.push(t), createdOf(t)), now);
    assert.deepEqual(picked, ['v1.1.0']);
    assert.deepEqual(asked, [], 'no manifest or config GET is spent on dates');
  });
});
