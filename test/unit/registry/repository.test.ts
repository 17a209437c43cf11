import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { RegistryError, RegistryRepository } from '../../../lib/registry/index.js';
import { sha256Digest } from '../../../lib/oci/index.js';
import { startScriptedRegistry, type ScriptedRegistry } from '../../support/registry-script.js';

const BLOB = Buffer.from('the bytes of one small blob');
const DIGEST = sha256Digest(BLOB);
const descriptor = { mediaType: 'application/octet-stream', digest: DIGEST, size: BLOB.length };
const BLOB_PATH = `/v2/app/blobs/${DIGEST}`;
const UPLOADS = '/v2/app/blobs/uploads/';
const withDigest = (location: string) => `${location}?${new URLSearchParams({ digest: DIGEST })}`;
const opened = (location: string) => ({ status: 202, headers: { location } });
const aborted = () => {
  const stop = new AbortController();
  stop.abort(new Error('stopped by the caller'));
  return stop.signal;
};
const read = async (stream: Readable) => Buffer.concat(await stream.toArray());

describe('RegistryRepository (the engine ports) against a scripted registry', { timeout: 30_000 }, () => {
  let reg: ScriptedRegistry;
  let repo: RegistryRepository;
  const url = (path: string) => `http://${reg.host}${path}`;
  const calls = () => reg.seen.map((r) => `${r.method} ${r.url}`);
  before(async () => {
    reg = await startScriptedRegistry({ tokenRealm: true });
    repo = new RegistryRepository(reg.client, 'app');
  });
  after(() => reg.stop());

  it('fetchBlob streams the blob, and from an offset when the registry honours Range', async () => {
    reg.reset({ [`GET ${BLOB_PATH}`]: (req) => (req.headers.range === 'bytes=4-' ? { status: 206, body: BLOB.subarray(4) } : { body: BLOB }) });
    assert.deepEqual(await read(await repo.fetchBlob(descriptor)), BLOB);
    assert.deepEqual(await read(await repo.fetchBlob(descriptor, { offset: 4 })), BLOB.subarray(4));
  });

  // invariant: a resumed download never splices the start of a blob onto the bytes already read
  it('fetchBlob fails when the registry ignores the Range of a resumed download', async () => {
    reg.reset({ [`GET ${BLOB_PATH}`]: { body: BLOB } });
    await assert.rejects(repo.fetchBlob(descriptor, { offset: 4 }), { message: `registry ignored the Range request for ${DIGEST}` });
  });

  it('pushBlob opens a session and PUTs the whole blob to its Location with the digest', async () => {
    reg.reset({ [`POST ${UPLOADS}`]: opened('/upload/1'), [`PUT ${withDigest('/upload/1')}`]: { status: 201 } });
    await repo.pushBlob(descriptor, Readable.from([BLOB]));
    assert.deepEqual(calls(), [`POST ${UPLOADS}`, `PUT ${withDigest('/upload/1')}`]);
    assert.deepEqual(reg.seen[1]?.body, BLOB);
  });

  // invariant: a refused PUT cancels the session and fails with the registry's error
  it('pushBlob cancels the session and rethrows when the registry refuses the PUT', async () => {
    reg.reset({
      [`POST ${UPLOADS}`]: opened('/upload/2'),
      [`PUT ${withDigest('/upload/2')}`]: {
        status: 400,
        headers: { 'content-type': 'application/json' },
        body: '{"errors":[{"code":"DIGEST_INVALID","message":"no"}]}',
      },
      'DELETE /upload/2': { status: 204 },
    });
    await assert.rejects(repo.pushBlob(descriptor, Readable.from([BLOB])), (err: unknown) => {
      assert.ok(err instanceof RegistryError, String(err));
      assert.equal(err.status, 400);
      return true;
    });
    assert.deepEqual(calls(), [`POST ${UPLOADS}`, `PUT ${withDigest('/upload/2')}`, 'DELETE /upload/2']);
  });

  // invariant: when the source stream fails, pushBlob fails with the source's error, not the transport's
  it("pushBlob fails with the source stream's own error when the source breaks", async () => {
    reg.reset({ [`POST ${UPLOADS}`]: opened('/upload/3'), 'DELETE /upload/3': { status: 204 } });
    const broken = new Error('the source broke');
    const source = new Readable({
      read() {
        this.push(BLOB.subarray(0, 5));
        this.destroy(broken);
      },
    });
    await assert.rejects(repo.pushBlob(descriptor, source), (err: unknown) => err === broken);
  });

  // invariant: a cancelled push sends nothing, not even the POST that opens a session
  it('pushBlob and openUpload send nothing when the caller has already given up', async () => {
    reg.reset({ [`POST ${UPLOADS}`]: opened('/upload/4'), 'DELETE /upload/4': { status: 204 } });
    await assert.rejects(repo.pushBlob(descriptor, Readable.from([BLOB]), { signal: aborted() }));
    await assert.rejects(repo.openUpload(DIGEST, undefined, { signal: aborted() }));
    assert.deepEqual(calls(), []);
  });

  // invariant: a mount is true only when the registry mounted (201); a 202 session is cancelled, and false
  it('mountBlob asks for a mount from the other repository and reports whether it happened', async () => {
    const mount = `${UPLOADS}?mount=${DIGEST}&from=lib%2Fbase`;
    reg.reset({ [`POST ${mount}`]: { status: 201 } });
    assert.equal(await repo.mountBlob(DIGEST, 'lib/base'), true);
    assert.deepEqual(reg.seen[0]?.scopes, ['repository:app:pull,push', 'repository:lib/base:pull']);
    reg.reset({ [`POST ${mount}`]: opened('/upload/5'), 'DELETE /upload/5': { status: 204 } });
    assert.equal(await repo.mountBlob(DIGEST, 'lib/base'), false);
    assert.deepEqual(calls(), [`POST ${mount}`, 'DELETE /upload/5']);
  });

  it('pushBlob with ifAbsent starts with a mount from the repository itself: 201 is "present" (nothing sent), 202 the session', async () => {
    const self = `${UPLOADS}?mount=${DIGEST}&from=app`;
    reg.reset({ [`POST ${self}`]: { status: 201 } });
    const answers: boolean[] = [];
    const unread = Readable.from([BLOB]);
    await repo.pushBlob(descriptor, unread, { ifAbsent: (present) => answers.push(present) });
    assert.deepEqual([answers, calls(), unread.destroyed], [[true], [`POST ${self}`], true]);
    assert.deepEqual(reg.seen[0]?.scopes, ['repository:app:pull,push'], 'its push scope, no second scope for itself');

    reg.reset({ [`POST ${self}`]: opened('/upload/9'), [`PUT ${withDigest('/upload/9')}`]: { status: 201 } });
    answers.length = 0;
    await repo.pushBlob(descriptor, Readable.from([BLOB]), { ifAbsent: (present) => answers.push(present) });
    assert.deepEqual([answers, calls()], [[false], [`POST ${self}`, `PUT ${withDigest('/upload/9')}`]]);
    assert.deepEqual(reg.seen[1]?.body, BLOB);
  });

  it('pushManifest PUTs the manifest', async () => {
    const bytes = Buffer.from('{"schemaVersion":2}');
    reg.reset({ 'PUT /v2/app/manifests/v1': { status: 201 } });
    await repo.pushManifest('v1', { bytes, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    assert.deepEqual(reg.seen[0]?.body, bytes);
  });

  it('openUpload without a checkpoint opens a fresh session at offset 0', async () => {
    reg.reset({ [`POST ${UPLOADS}`]: opened('/upload/6') });
    assert.deepEqual(await repo.openUpload(DIGEST, undefined), { location: url('/upload/6'), offset: 0 });
  });

  // invariant: a checkpoint is resumed only where the registry says the upload stands
  it('openUpload resumes a checkpoint the registry confirms, without a new session', async () => {
    reg.reset({ 'GET /upload/7': { status: 204, headers: { range: '0-4' } } });
    assert.deepEqual(await repo.openUpload(DIGEST, { location: url('/upload/7'), offset: 5 }), { location: url('/upload/7'), offset: 5 });
    assert.deepEqual(calls(), ['GET /upload/7']);
  });

  it('openUpload cancels a session that stands elsewhere than the checkpoint, then opens a fresh one', async () => {
    reg.reset({ 'GET /upload/7': { status: 204, headers: { range: '0-9' } }, 'DELETE /upload/7': { status: 204 }, [`POST ${UPLOADS}`]: opened('/upload/8') });
    assert.deepEqual(await repo.openUpload(DIGEST, { location: url('/upload/7'), offset: 5 }), { location: url('/upload/8'), offset: 0 });
    assert.deepEqual(calls(), ['GET /upload/7', 'DELETE /upload/7', `POST ${UPLOADS}`]);
  });

  // invariant: a session the registry no longer knows is not cancelled (there is nothing to cancel)
  it('openUpload opens a fresh session without a DELETE when the old one is gone', async () => {
    reg.reset({ 'GET /upload/7': { status: 404 }, [`POST ${UPLOADS}`]: opened('/upload/9') });
    assert.deepEqual(await repo.openUpload(DIGEST, { location: url('/upload/7'), offset: 5 }), { location: url('/upload/9'), offset: 0 });
    assert.deepEqual(calls(), ['GET /upload/7', `POST ${UPLOADS}`]);
  });

  it('commitUpload closes the session with a PUT that names the digest', async () => {
    reg.reset({ [`PUT ${withDigest('/upload/9')}`]: { status: 201 } });
    await repo.commitUpload({ location: url('/upload/9'), offset: BLOB.length }, DIGEST);
    assert.deepEqual(calls(), [`PUT ${withDigest('/upload/9')}`]);
  });
});
