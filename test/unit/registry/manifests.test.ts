import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getManifest, headManifest, putManifest, putManifestWithSubject, RegistryError } from '../../../lib/registry/index.js';
import { MANIFEST_ACCEPT, sha256Digest } from '../../../lib/oci/index.js';
import { startScriptedRegistry, type ScriptedRegistry } from '../../support/registry-script.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const BYTES = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: {}, layers: [] }));
const DIGEST = sha256Digest(BYTES);
const OTHER = `sha256:${'b'.repeat(64)}`;
const BY_TAG = '/v2/app/manifests/v1';
const BY_DIGEST = `/v2/app/manifests/${DIGEST}`;

describe('manifests against a scripted registry', { timeout: 30_000 }, () => {
  let reg: ScriptedRegistry;
  const at = (path: string) => `http://${reg.host}${path}`;
  before(async () => {
    reg = await startScriptedRegistry({ tokenRealm: true });
  });
  after(() => reg.stop());

  // invariant: a HEAD that names the digest is trusted as it is (no GET), asked with the manifest Accept list and a pull token
  it('headManifest returns digest, media type and size from the HEAD alone', async () => {
    const headers = { 'docker-content-digest': DIGEST, 'content-type': OCI_MANIFEST, 'content-length': String(BYTES.length) };
    reg.reset({ [`HEAD ${BY_TAG}`]: { headers } });
    assert.deepEqual(await headManifest(reg.client, 'app', 'v1'), { digest: DIGEST, mediaType: OCI_MANIFEST, size: BYTES.length });
    assert.deepEqual(
      reg.seen.map((r) => [r.method, r.url, r.headers.accept, r.scopes]),
      [['HEAD', BY_TAG, MANIFEST_ACCEPT, ['repository:app:pull']]],
    );
  });

  // invariant: the HEAD's media type is compared with media type constants (an index is told apart for a
  // platform subset), so its parameters are dropped as the GET's are
  it('headManifest drops the parameters of the Content-Type', async () => {
    const headers = { 'docker-content-digest': DIGEST, 'content-type': ` ${OCI_MANIFEST} ; charset=utf-8`, 'content-length': String(BYTES.length) };
    reg.reset({ [`HEAD ${BY_TAG}`]: { headers } });
    assert.deepEqual(await headManifest(reg.client, 'app', 'v1'), { digest: DIGEST, mediaType: OCI_MANIFEST, size: BYTES.length });
  });

  it('headManifest returns undefined for a 404', async () => {
    reg.reset({ [`HEAD ${BY_TAG}`]: { status: 404 } });
    assert.equal(await headManifest(reg.client, 'app', 'v1'), undefined);
  });

  // invariant: without Content-Type and Content-Length the HEAD reports '' and -1 (unknown), never a guess
  it('headManifest reports an unknown media type and size when the HEAD names neither', async () => {
    reg.reset({
      [`HEAD ${BY_TAG}`]: (_req, res) => {
        res.socket?.end(`HTTP/1.1 200 OK\r\ndocker-content-digest: ${DIGEST}\r\nconnection: close\r\n\r\n`);
        return undefined;
      },
    });
    assert.deepEqual(await headManifest(reg.client, 'app', 'v1'), { digest: DIGEST, mediaType: '', size: -1 });
  });

  // invariant: a HEAD without Docker-Content-Digest falls back to a GET whose bytes give the digest
  it('headManifest computes the digest from a GET when the HEAD omits it', async () => {
    reg.reset({
      [`HEAD ${BY_TAG}`]: { headers: { 'content-type': OCI_MANIFEST } },
      [`GET ${BY_TAG}`]: { headers: { 'content-type': `${OCI_MANIFEST}; charset=utf-8` }, body: BYTES },
    });
    assert.deepEqual(await headManifest(reg.client, 'app', 'v1'), { digest: DIGEST, mediaType: OCI_MANIFEST, size: BYTES.length });
    assert.deepEqual(
      reg.seen.map((r) => `${r.method} ${r.url}`),
      [`HEAD ${BY_TAG}`, `GET ${BY_TAG}`],
    );
  });

  // invariant: a digest reference keeps its colon in the path; parameters of the media type are dropped
  it('getManifest fetches by digest and returns the bytes and the bare media type', async () => {
    reg.reset({ [`GET ${BY_DIGEST}`]: { headers: { 'content-type': ` ${OCI_MANIFEST} ; charset=utf-8` }, body: BYTES } });
    const got = await getManifest(reg.client, 'app', DIGEST);
    assert.deepEqual(got, { bytes: BYTES, mediaType: OCI_MANIFEST });
    assert.deepEqual(
      reg.seen.map((r) => [r.url, r.headers.accept, r.scopes]),
      [[BY_DIGEST, MANIFEST_ACCEPT, ['repository:app:pull']]],
    );
  });

  it('getManifest returns an empty media type when the registry sends none', async () => {
    reg.reset({ [`GET ${BY_TAG}`]: { body: BYTES } });
    assert.deepEqual(await getManifest(reg.client, 'app', 'v1'), { bytes: BYTES, mediaType: '' });
  });

  // invariant: a manifest larger than MAX_MANIFEST_BYTES is refused by its Content-Length before it is read
  it('getManifest refuses a manifest that declares more than 4 MiB', async () => {
    reg.reset({
      [`GET ${BY_TAG}`]: (_req, res) => {
        res.writeHead(200, { 'content-type': OCI_MANIFEST, 'content-length': String(4 * 2 ** 20 + 1) });
        res.write('{');
        return undefined;
      },
    });
    await assert.rejects(getManifest(reg.client, 'app', 'v1'), (err: unknown) => {
      assert.ok(err instanceof RegistryError, String(err));
      assert.equal(err.code, 'REGISTRY_PROTOCOL');
      assert.equal(err.message, `GET ${at(BY_TAG)}: manifest larger than 4 MiB`);
      return true;
    });
  });

  // invariant: a PUT sends the bytes as they are, typed with their media type, with a push token
  it('putManifest sends the bytes with their media type and returns their digest', async () => {
    reg.reset({ [`PUT ${BY_TAG}`]: { status: 201, headers: { 'docker-content-digest': DIGEST } } });
    assert.deepEqual(await putManifest(reg.client, 'app', 'v1', { bytes: BYTES, mediaType: OCI_MANIFEST }), { digest: DIGEST });
    const [put] = reg.seen;
    assert.ok(put, 'no PUT was sent');
    assert.deepEqual([put.headers['content-type'], put.scopes, put.body], [OCI_MANIFEST, ['repository:app:pull,push'], BYTES]);
  });

  it('putManifest accepts a registry that acknowledges no digest', async () => {
    reg.reset({ [`PUT ${BY_TAG}`]: { status: 201 } });
    assert.deepEqual(await putManifest(reg.client, 'app', 'v1', { bytes: BYTES, mediaType: OCI_MANIFEST }), { digest: DIGEST });
  });

  // invariant: a registry that stored other bytes than those sent (it rewrote the manifest) fails the PUT
  it('putManifest fails when the registry acknowledges another digest', async () => {
    reg.reset({ [`PUT ${BY_TAG}`]: { status: 201, headers: { 'docker-content-digest': OTHER } } });
    await assert.rejects(putManifest(reg.client, 'app', 'v1', { bytes: BYTES, mediaType: OCI_MANIFEST }), (err: unknown) => {
      assert.ok(err instanceof RegistryError, String(err));
      assert.equal(err.code, 'REGISTRY_PROTOCOL');
      assert.equal(err.message, `PUT ${at(BY_TAG)}: registry stored the manifest as ${OTHER}, expected ${DIGEST} (it rewrote the manifest)`);
      return true;
    });
  });

  // invariant: the OCI-Subject header of the PUT's answer is reported (the registry indexed the subject)
  it('putManifestWithSubject returns the OCI-Subject the registry sent, undefined without one', async () => {
    reg.reset({ [`PUT ${BY_DIGEST}`]: { status: 201, headers: { 'docker-content-digest': DIGEST, 'oci-subject': OTHER } } });
    assert.equal(await putManifestWithSubject(reg.client, 'app', DIGEST, { bytes: BYTES, mediaType: OCI_MANIFEST }), OTHER);
    assert.deepEqual(await putManifest(reg.client, 'app', DIGEST, { bytes: BYTES, mediaType: OCI_MANIFEST }), { digest: DIGEST, ociSubject: OTHER });
    reg.reset({ [`PUT ${BY_DIGEST}`]: { status: 201, headers: { 'docker-content-digest': DIGEST } } });
    assert.equal(await putManifestWithSubject(reg.client, 'app', DIGEST, { bytes: BYTES, mediaType: OCI_MANIFEST }), undefined);
  });
});
