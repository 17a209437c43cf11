import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listReferrers, RegistryError } from '../../../lib/registry/index.js';
import { MAX_LISTING_ENTRIES } from '../../../lib/util/limits.js';
import { startScriptedRegistry, type ScriptedRegistry, type ScriptedReply } from '../../support/registry-script.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const SUBJECT = `sha256:${'a'.repeat(64)}`;
const REF = `/v2/app/referrers/${SUBJECT}`;
const SIG = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const SBOM = 'application/spdx+json';
const descriptor = (n: number, artifactType?: string) => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${String(n).padStart(64, '0')}`,
  size: 100 + n,
  ...(artifactType ? { artifactType } : {}),
});
const sig = descriptor(1, SIG);
const sbom = descriptor(2, SBOM);
const untyped = descriptor(3);

const page = (body: unknown, options: { type?: string; link?: string; status?: number; headers?: Record<string, string> } = {}): ScriptedReply => ({
  status: options.status ?? 200,
  headers: { 'content-type': options.type ?? INDEX, ...(options.link ? { link: `<${options.link}>; rel="next"` } : {}), ...options.headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const index = (...manifests: unknown[]) => ({ schemaVersion: 2, mediaType: INDEX, manifests });

describe('listReferrers against a scripted registry', { timeout: 30_000 }, () => {
  let reg: ScriptedRegistry;
  before(async () => {
    reg = await startScriptedRegistry({ tokenRealm: true });
  });
  after(() => reg.stop());

  // invariant: every Link page is asked for as an OCI index with a pull token; media type parameters are ignored
  it('reads every page, asking for an OCI index, and returns every descriptor', async () => {
    reg.reset({
      [`GET ${REF}`]: page(index(sig), { type: `${INDEX} ; charset=utf-8`, link: `${REF}?last=p2` }),
      [`GET ${REF}?last=p2`]: page(index(sbom, untyped)),
    });
    assert.deepEqual(await listReferrers(reg.client, 'app', SUBJECT), [sig, sbom, untyped]);
    assert.deepEqual(
      reg.seen.map((r) => [r.url, r.headers.accept, r.scopes]),
      [
        [REF, INDEX, ['repository:app:pull']],
        [`${REF}?last=p2`, INDEX, ['repository:app:pull']],
      ],
    );
  });

  it('accepts an index served as application/json', async () => {
    reg.reset({ [`GET ${REF}`]: page(index(sig), { type: 'application/json' }) });
    assert.deepEqual(await listReferrers(reg.client, 'app', SUBJECT), [sig]);
  });

  // invariant: no referrers API (404, or a first page that is not an OCI index) is undefined, not "no referrers"
  it('returns undefined when the first page is a 404, another media type, or not an index', async () => {
    const cases: Array<[string, ScriptedReply]> = [
      ['a 404', page('{"errors":[{"code":"NAME_UNKNOWN","message":"x"}]}', { status: 404, type: 'application/json' })],
      ['a 404 whose body is an index', page(index(sig), { status: 404 })],
      ['an HTML page that holds an index', page(index(sig), { type: 'text/html' })],
      ['a page without a content type', { body: JSON.stringify(index(sig)) }],
      ['JSON that is not an index', page({ schemaVersion: 1, manifests: [] }, { type: 'application/json' })],
      ['an index type whose body is not JSON', page('<html>')],
    ];
    for (const [what, reply] of cases) {
      reg.reset({ [`GET ${REF}`]: reply });
      assert.equal(await listReferrers(reg.client, 'app', SUBJECT), undefined, what);
    }
  });

  // invariant: a later page that is a 404 or not an index ends the listing with what was read
  it('keeps the referrers of the pages before a 404 or an unreadable page', async () => {
    for (const last of [page('', { status: 404, type: 'text/plain' }), page('not json')]) {
      reg.reset({ [`GET ${REF}`]: page(index(sig), { link: `${REF}?last=p2` }), [`GET ${REF}?last=p2`]: last });
      assert.deepEqual(await listReferrers(reg.client, 'app', SUBJECT), [sig]);
    }
  });

  // invariant: with artifactType, only referrers of that type are returned, filtered here unless the registry says it did
  it('asks for the artifact type and filters what a registry that did not filter returns', async () => {
    const path = `${REF}?artifactType=${encodeURIComponent(SIG)}`;
    reg.reset({ [`GET ${path}`]: page(index(sig, sbom, untyped)) });
    assert.deepEqual(await listReferrers(reg.client, 'app', SUBJECT, { artifactType: SIG }), [sig]);
    assert.deepEqual(
      reg.seen.map((r) => r.url),
      [path],
    );
  });

  it('keeps what a registry returns when OCI-Filters-Applied names artifactType', async () => {
    const path = `${REF}?artifactType=${encodeURIComponent(SIG)}`;
    reg.reset({ [`GET ${path}`]: page(index(sig, sbom), { headers: { 'oci-filters-applied': 'annotations, artifactType' } }) });
    assert.deepEqual(await listReferrers(reg.client, 'app', SUBJECT, { artifactType: SIG }), [sig, sbom]);
  });

  // invariant: a hostile Link cannot loop the listing; the error names the subject
  it('fails naming the subject when a Link loops back', async () => {
    reg.reset({ [`GET ${REF}`]: page(index(sig), { link: REF }) });
    await assert.rejects(listReferrers(reg.client, 'app', SUBJECT), (err: unknown) => {
      assert.ok(err instanceof RegistryError, String(err));
      assert.equal(err.code, 'REGISTRY_PROTOCOL');
      assert.equal(err.message, `GET http://${reg.host}${REF}: referrers of ${reg.host}/app@${SUBJECT}: Link loops back to a page already read (${REF})`);
      return true;
    });
  });

  // invariant: a page larger than MAX_REFERRERS_PAGE_BYTES is refused (by its Content-Length) before it is read
  it('refuses a page that declares more than 4 MiB', async () => {
    reg.reset({
      [`GET ${REF}`]: (_req, res) => {
        res.writeHead(200, { 'content-type': INDEX, 'content-length': String(5 * 2 ** 20) });
        res.write('{');
        return undefined;
      },
    });
    await assert.rejects(listReferrers(reg.client, 'app', SUBJECT), (err: unknown) => {
      assert.ok(err instanceof RegistryError, String(err));
      assert.equal(err.code, 'REGISTRY_PROTOCOL');
      assert.equal(err.message, `GET http://${reg.host}${REF}: referrers page larger than 4 MiB`);
      return true;
    });
  });

  // invariant: at most MAX_LISTING_ENTRIES referrers are held; the page that passes the bound fails
  it(`holds ${MAX_LISTING_ENTRIES} referrers and fails on the page that brings one more`, async () => {
    const tiny = '{"mediaType":"a","digest":"a:b","size":0}';
    const many = (n: number) => `{"schemaVersion":2,"manifests":[${`${tiny},`.repeat(n - 1)}${tiny}]}`;
    reg.reset({
      [`GET ${REF}`]: page(many(60_000), { link: `${REF}?last=p2` }),
      [`GET ${REF}?last=p2`]: page(many(MAX_LISTING_ENTRIES - 60_000), { link: `${REF}?last=p3` }),
      [`GET ${REF}?last=p3`]: page(many(1)),
    });
    await assert.rejects(listReferrers(reg.client, 'app', SUBJECT), (err: unknown) => {
      assert.ok(err instanceof RegistryError, String(err));
      assert.equal(err.message, `GET http://${reg.host}${REF}?last=p3: more than ${MAX_LISTING_ENTRIES} referrers`);
      return true;
    });
  });
});
