import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { RegistryClient, RegistryError } from '../../../lib/registry/index.js';
import * as blobs from '../../../lib/registry/blobs.js';
import { json, type ScriptedRegistry, type ScriptedReply, type ScriptedRoute, startScriptedRegistry } from '../../support/registry-script.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const BLOB = `/v2/dst/blobs/${DIGEST}`;

/** Answers `status` with the given headers and body (none for a HEAD: the server drops it). */
const answer = (status: number, headers: Record<string, string> = {}, body = ''): ScriptedReply => ({
  status,
  headers: { 'content-length': String(Buffer.byteLength(body)), ...headers },
  body,
});

describe('blob requests', { timeout: 30_000 }, () => {
  let srv: ScriptedRegistry;
  let client: RegistryClient;
  /** A bearer registry: every request's scopes show in the token request that precedes it. */
  const routes = (more: Record<string, ScriptedRoute>) =>
    srv.reset({
      'GET /v2/': json(401, { errors: [] }, { 'www-authenticate': `Bearer realm="${srv.origin}/token",service="reg"` }),
      'GET /token': json(200, { token: 'tok' }),
      ...more,
    });
  const scopesAsked = () => srv.seen.filter((s) => s.url.startsWith('/token')).map((s) => new URL(s.url, srv.origin).searchParams.getAll('scope'));
  const sent = (method: string) => srv.seen.filter((s) => s.method === method && !s.url.startsWith('/token') && s.url !== '/v2/');
  const session = (location = `${srv.origin}/upload/1?_state=s1`, offset = 0) => ({ repository: 'dst', location, offset });

  before(async () => {
    srv = await startScriptedRegistry();
  });
  after(() => srv.stop());
  beforeEach(async () => {
    await client?.close();
    client = new RegistryClient({ registry: srv.host, insecure: true, retry: { retries: 0 } });
  });
  after(() => client.close());

  // invariant: HEAD of the blob path with pull scope; 200 = present, 404 = absent
  it('headBlob: true on 200, false on 404, with pull scope', async () => {
    routes({ [`HEAD ${BLOB}`]: answer(200) });
    assert.equal(await blobs.headBlob(client, 'dst', DIGEST), true);
    assert.deepEqual(scopesAsked(), [['repository:dst:pull']]);
    routes({ [`HEAD ${BLOB}`]: answer(404) });
    assert.equal(await blobs.headBlob(client, 'dst', DIGEST), false);
  });

  // invariant: a Range is asked only from a positive offset; the stream starts where the registry says (206) or at 0
  it('getBlob: no Range from 0; from an offset, the offset on 206 and 0 when the registry ignores the Range', async () => {
    routes({ [`GET ${BLOB}`]: answer(200, {}, 'hello') });
    const whole = await blobs.getBlob(client, 'dst', DIGEST);
    await whole.body.resume();
    assert.deepEqual([whole.offset, whole.size], [0, 5]);
    assert.equal(sent('GET')[0]!.headers.range, undefined);
    assert.deepEqual(scopesAsked(), [['repository:dst:pull']]);

    routes({ [`GET ${BLOB}`]: answer(206, {}, 'llo') });
    const tail = await blobs.getBlob(client, 'dst', DIGEST, { offset: 2 });
    tail.body.resume();
    assert.deepEqual([tail.offset, tail.size], [2, 3]);
    assert.equal(sent('GET')[0]!.headers.range, 'bytes=2-');

    routes({ [`GET ${BLOB}`]: answer(200, {}, 'hello') });
    const ignored = await blobs.getBlob(client, 'dst', DIGEST, { offset: 2 });
    ignored.body.resume();
    assert.equal(ignored.offset, 0);
  });
  it('getBlob: no size when the registry sends no Content-Length', async () => {
    routes({
      [`GET ${BLOB}`]: (_seen, res) => {
        res.writeHead(200);
        res.end('chunked');
        return undefined;
      },
    });
    const got = await blobs.getBlob(client, 'dst', DIGEST);
    got.body.resume();
    assert.equal(got.size, undefined);
  });

  // invariant: a mount asks pull on the source too, and only a 201 to a mount means "mounted"
  it('startUpload: a mount answered 201 is mounted', async () => {
    routes({ 'POST /v2/dst/blobs/uploads/': answer(201, { location: BLOB }) });
    assert.equal(await blobs.startUpload(client, 'dst', { mount: { digest: DIGEST, from: 'src/app' } }), 'mounted');
    assert.equal(sent('POST')[0]!.url, `/v2/dst/blobs/uploads/?mount=${DIGEST}&from=src%2Fapp`);
    assert.deepEqual(scopesAsked(), [['repository:dst:pull,push', 'repository:src/app:pull']]);
  });
  it('startUpload: a mount answered 202 opens a session at the absolute Location', async () => {
    routes({ 'POST /v2/dst/blobs/uploads/': answer(202, { location: '/upload/1?_state=s1' }) });
    const opened = await blobs.startUpload(client, 'dst', { mount: { digest: DIGEST, from: 'src' } });
    assert.deepEqual(opened, { repository: 'dst', location: `${srv.origin}/upload/1?_state=s1`, offset: 0 });
  });
  it('startUpload: a plain start POSTs an empty body with push scope', async () => {
    routes({ 'POST /v2/dst/blobs/uploads/': answer(202, { location: `${srv.origin}/upload/2` }) });
    const opened = await blobs.startUpload(client, 'dst');
    assert.deepEqual(opened, session(`${srv.origin}/upload/2`));
    const [post] = sent('POST');
    assert.equal(post!.url, '/v2/dst/blobs/uploads/');
    assert.equal(post!.headers['content-length'], '0');
    assert.deepEqual(scopesAsked(), [['repository:dst:pull,push']]);
  });
  it('startUpload: fails with REGISTRY_PROTOCOL when the session has no Location', async () => {
    routes({ 'POST /v2/dst/blobs/uploads/': answer(202) });
    await assert.rejects(blobs.startUpload(client, 'dst'), (err: unknown) => {
      assert.ok(err instanceof RegistryError, String(err));
      assert.equal(err.code, 'REGISTRY_PROTOCOL');
      assert.equal(err.message, `POST ${srv.origin}/v2/dst/blobs/uploads/: upload session without Location`);
      return true;
    });
  });

  // invariant: the monolithic PUT carries the digest, an octet-stream type and the length when it is known
  it('putBlob: PUTs the body to Location?digest= with its length', async () => {
    routes({ 'PUT /upload/1': answer(201) });
    await blobs.putBlob(client, session(), DIGEST, 5, Readable.from([Buffer.from('hello')]));
    const [put] = sent('PUT');
    assert.equal(new URL(put!.url, srv.origin).searchParams.get('digest'), DIGEST);
    assert.equal(put!.headers['content-type'], 'application/octet-stream');
    assert.equal(put!.headers['content-length'], '5');
    assert.equal(put!.body.toString(), 'hello');
    assert.deepEqual(scopesAsked(), [['repository:dst:pull,push']]);
  });
  it('putBlob: sends Content-Length 0 for an empty blob and none for an unknown size', async () => {
    routes({ 'PUT /upload/1': answer(204) });
    await blobs.putBlob(client, session(), DIGEST, 0, Readable.from([]));
    await blobs.putBlob(client, session(), DIGEST, -1, Readable.from([Buffer.from('abc')]));
    const [empty, unknown] = sent('PUT');
    assert.equal(empty!.headers['content-length'], '0');
    assert.equal(unknown!.headers['content-length'], undefined);
    assert.equal(unknown!.body.toString(), 'abc');
  });

  // invariant: a chunk names its byte range; the next offset is what the registry acknowledged (Range 0-N), else offset+length
  it('patchChunk: sends the content range and follows the acknowledged Range and the new Location', async () => {
    routes({ 'PATCH /upload/1': answer(202, { location: '/upload/2?_state=s2', range: '0-2' }) });
    const s = session();
    await blobs.patchChunk(client, s, Buffer.from('hello'), 5);
    const [patch] = sent('PATCH');
    assert.equal(patch!.headers['content-range'], '0-4');
    assert.equal(patch!.headers['content-type'], 'application/octet-stream');
    assert.equal(patch!.headers['content-length'], '5');
    assert.deepEqual(s, session(`${srv.origin}/upload/2?_state=s2`, 3));
    assert.deepEqual(scopesAsked(), [['repository:dst:pull,push']]);
  });
  it('patchChunk: reads a long "bytes=" Range (fewer bytes taken than sent), and falls back to offset+length without one', async () => {
    routes({ 'PATCH /upload/1': answer(202, { range: 'bytes=0-11' }) });
    const s = session(undefined, 10);
    await blobs.patchChunk(client, s, Buffer.from('abc'), 3);
    assert.equal(sent('PATCH')[0]!.headers['content-range'], '10-12');
    assert.deepEqual(s, session(undefined, 12));
    routes({ 'PATCH /upload/1': answer(202) });
    await blobs.patchChunk(client, s, Buffer.from('de'), 2);
    assert.deepEqual(s, session(undefined, 14));
  });
  it('patchChunk: ignores a Range that does not start at 0 or has trailing junk', async () => {
    for (const range of ['10-20', '0-7 junk']) {
      routes({ 'PATCH /upload/1': answer(202, { range }) });
      const s = session(undefined, 4);
      await blobs.patchChunk(client, s, Buffer.from('ab'), 2);
      assert.equal(s.offset, 6, range);
    }
  });

  it('finishUpload: PUTs no body to Location?digest= with Content-Length 0', async () => {
    routes({ 'PUT /upload/1': answer(201) });
    await blobs.finishUpload(client, session(), DIGEST);
    const [put] = sent('PUT');
    assert.equal(new URL(put!.url, srv.origin).searchParams.get('digest'), DIGEST);
    assert.equal(put!.headers['content-length'], '0');
    assert.deepEqual(scopesAsked(), [['repository:dst:pull,push']]);
  });

  // invariant: the status of an upload is the acknowledged Range plus one; no (or a foreign) Range means start over at 0
  it('uploadStatus: reads the acknowledged Range and the new Location', async () => {
    routes({ 'GET /upload/1': answer(204, { range: '0-12', location: '/upload/3' }) });
    const s = session(undefined, 99);
    assert.equal(await blobs.uploadStatus(client, s), 13);
    assert.deepEqual(s, session(`${srv.origin}/upload/3`, 13));
    assert.deepEqual(scopesAsked(), [['repository:dst:pull,push']]);
  });
  it('uploadStatus: starts over at 0 without a Range, or with a Range it cannot trust', async () => {
    for (const range of [undefined, '10-20', '0-7 junk']) {
      routes({ 'GET /upload/1': answer(204, range ? { range } : {}) });
      assert.equal(await blobs.uploadStatus(client, session(undefined, 99)), 0, String(range));
    }
  });

  // invariant: cancelling is best effort: a DELETE is sent, and a refusal is not an error
  it('cancelUpload: DELETEs the session and swallows a refusal', async () => {
    routes({ 'DELETE /upload/1': answer(500) });
    await blobs.cancelUpload(client, session());
    assert.equal(sent('DELETE').length, 1);
    assert.deepEqual(scopesAsked(), [['repository:dst:pull,push']]);
  });
});
