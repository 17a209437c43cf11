import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listRepositories, listTags, RegistryError } from '../../../lib/registry/index.js';
import { MAX_LISTING_ENTRIES } from '../../../lib/util/limits.js';
import { startScriptedRegistry, type ScriptedRegistry, type ScriptedReply } from '../../support/registry-script.js';

const TAGS = '/v2/app/tags/list?n=1000';
const CATALOG = '/v2/_catalog?n=1000';
const json = (body: unknown, link?: string): ScriptedReply => ({
  headers: { 'content-type': 'application/json', ...(link ? { link: `<${link}>; rel="next"` } : {}) },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const notFound: ScriptedReply = { status: 404, headers: { 'content-type': 'text/plain' }, body: '404 page not found\n' };

/** The RegistryError a listing fails with. */
async function failure(listing: Promise<unknown>): Promise<RegistryError> {
  const err = await listing.then(
    () => assert.fail('the listing succeeded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof RegistryError, `not a RegistryError: ${String(err)}`);
  return err;
}

describe('listTags and listRepositories against a scripted registry', { timeout: 30_000 }, () => {
  let reg: ScriptedRegistry;
  let url: (path: string) => string;
  before(async () => {
    reg = await startScriptedRegistry({ tokenRealm: true });
    url = (path) => `http://${reg.host}${path}`;
  });
  after(() => reg.stop());

  // invariant: every Link page is read with a pull token for the repository; tags come sorted, once each
  it('reads every page of the tag list and returns the tags sorted without duplicates', async () => {
    reg.reset({ [`GET ${TAGS}`]: json({ name: 'app', tags: ['v2', 'v1'] }, `${TAGS}&last=v2`), [`GET ${TAGS}&last=v2`]: json({ tags: ['a', 'v1'] }) });
    assert.deepEqual(await listTags(reg.client, 'app'), ['a', 'v1', 'v2']);
    assert.deepEqual(
      reg.seen.map((r) => [r.method, r.url, r.scopes]),
      [
        ['GET', TAGS, ['repository:app:pull']],
        ['GET', `${TAGS}&last=v2`, ['repository:app:pull']],
      ],
    );
  });

  // invariant: an unknown repository (404, whatever its body) has no tags
  it('returns no tags when the first page is a 404 with a plain-text body', async () => {
    reg.reset({ [`GET ${TAGS}`]: notFound });
    assert.deepEqual(await listTags(reg.client, 'app'), []);
  });

  // invariant: a 404 on a later page ends the listing with the tags already read
  it('keeps the tags of the pages before a 404', async () => {
    reg.reset({ [`GET ${TAGS}`]: json({ tags: ['v1'] }, `${TAGS}&last=v1`), [`GET ${TAGS}&last=v1`]: notFound });
    assert.deepEqual(await listTags(reg.client, 'app'), ['v1']);
  });

  it('reads "tags": null as no tags', async () => {
    reg.reset({ [`GET ${TAGS}`]: json({ name: 'app', tags: null }) });
    assert.deepEqual(await listTags(reg.client, 'app'), []);
  });

  // invariant: a page that is not a tag list fails with REGISTRY_PROTOCOL naming the listing and the page
  it('fails on a page whose tags are not a list, or that is not JSON', async () => {
    reg.reset({ [`GET ${TAGS}`]: json({ tags: 'v1' }) });
    const shape = await failure(listTags(reg.client, 'app'));
    assert.equal(shape.code, 'REGISTRY_PROTOCOL');
    assert.equal(shape.message, `GET ${url(TAGS)}: tag list of ${reg.host}/app page is not a listing`);
    reg.reset({ [`GET ${TAGS}`]: json('<html>') });
    const text = await failure(listTags(reg.client, 'app'));
    assert.equal(text.code, 'REGISTRY_PROTOCOL');
    assert.equal(text.message, `GET ${url(TAGS)}: tag list of ${reg.host}/app page is not JSON`);
  });

  // invariant: a page that breaks off mid-body is a network failure of that GET, not a protocol error
  it('fails with REGISTRY_NETWORK when a page breaks off', async () => {
    reg.reset({
      [`GET ${TAGS}`]: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"tags":["v1",', () => res.destroy());
        return undefined;
      },
    });
    const err = await failure(listTags(reg.client, 'app'));
    assert.equal(err.code, 'REGISTRY_NETWORK');
    assert.ok(err.message.startsWith(`GET ${url(TAGS)}: reading the tag list of ${reg.host}/app page: `), err.message);
  });

  // invariant: at most MAX_LISTING_ENTRIES entries are held; the page that passes the bound fails
  it(`accepts ${MAX_LISTING_ENTRIES} entries and fails on the page that brings one more`, async () => {
    const full = `{"tags":[${'"a",'.repeat(MAX_LISTING_ENTRIES - 1)}"a"]}`;
    reg.reset({ [`GET ${TAGS}`]: json(full, `${TAGS}&last=a`), [`GET ${TAGS}&last=a`]: json({ tags: ['b'] }) });
    const err = await failure(listTags(reg.client, 'app'));
    assert.equal(err.code, 'REGISTRY_PROTOCOL');
    assert.equal(err.message, `GET ${url(`${TAGS}&last=a`)}: tag list of ${reg.host}/app: more than ${MAX_LISTING_ENTRIES} entries`);
  });

  // invariant: an invalid repository name is refused before any request, and named in the error
  it('refuses an invalid repository name without asking the registry', async () => {
    reg.reset({});
    const err = await failure(listTags(reg.client, 'Bad/../x'));
    assert.equal(err.code, 'REGISTRY_PROTOCOL');
    assert.equal(err.message, `GET ${reg.client.baseUrl}/v2/: not a valid repository name: "Bad/../x"`);
    assert.deepEqual(reg.seen, []);
  });

  // invariant: a listed tag that breaks the grammar is never used: it fails the listing, named...
  it('fails naming the invalid tags when no onSkipped is given', async () => {
    reg.reset({ [`GET ${TAGS}`]: json({ tags: ['v1', '../x', 7] }) });
    const err = await failure(listTags(reg.client, 'app'));
    assert.equal(err.code, 'REGISTRY_PROTOCOL');
    assert.equal(err.message, `GET ${reg.client.baseUrl}/v2/app/tags/list: not a valid tag: "../x", 7`);
  });

  // ...or goes to onSkipped with the reason, and the valid ones are listed
  it('passes each invalid tag to onSkipped and lists the valid ones', async () => {
    reg.reset({ [`GET ${TAGS}`]: json({ tags: ['v1', '../x', 7] }) });
    const skipped: string[][] = [];
    assert.deepEqual(await listTags(reg.client, 'app', undefined, (name, why) => skipped.push([name, why])), ['v1']);
    assert.deepEqual(skipped, [
      ['../x', 'not a valid tag'],
      ['7', 'not a valid tag'],
    ]);
  });

  // invariant: the catalog is read with the registry:catalog:* scope, every page, in the registry's order
  it('reads every page of the catalog with the catalog scope', async () => {
    reg.reset({ [`GET ${CATALOG}`]: json({ repositories: ['lib/b', 'a'] }, `${CATALOG}&last=a`), [`GET ${CATALOG}&last=a`]: json({ repositories: ['c'] }) });
    assert.deepEqual(await listRepositories(reg.client), ['lib/b', 'a', 'c']);
    assert.deepEqual(
      reg.seen.map((r) => [r.url, r.scopes]),
      [
        [CATALOG, ['registry:catalog:*']],
        [`${CATALOG}&last=a`, ['registry:catalog:*']],
      ],
    );
  });

  it('returns no repositories for a 404 catalog or "repositories": null', async () => {
    reg.reset({ [`GET ${CATALOG}`]: notFound });
    assert.deepEqual(await listRepositories(reg.client), []);
    reg.reset({ [`GET ${CATALOG}`]: json({ repositories: null }) });
    assert.deepEqual(await listRepositories(reg.client), []);
  });

  it('fails on a catalog page that is not a listing, naming the catalog', async () => {
    reg.reset({ [`GET ${CATALOG}`]: json({ repositories: { a: 1 } }) });
    const err = await failure(listRepositories(reg.client));
    assert.equal(err.message, `GET ${url(CATALOG)}: catalog of ${reg.host} page is not a listing`);
  });

  it('fails naming an invalid repository name of the catalog, or skips it with onSkipped', async () => {
    reg.reset({ [`GET ${CATALOG}`]: json({ repositories: ['ok', 'UPPER', ['nested']] }) });
    const err = await failure(listRepositories(reg.client));
    assert.equal(err.message, `GET ${reg.client.baseUrl}/v2/_catalog: not a valid repository name: "UPPER", ["nested"]`);
    const skipped: string[][] = [];
    assert.deepEqual(await listRepositories(reg.client, undefined, (name, why) => skipped.push([name, why])), ['ok']);
    assert.deepEqual(skipped, [
      ['UPPER', 'not a valid repository name'],
      ['nested', 'not a valid repository name'],
    ]);
  });
});
