import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { startCountingProxy, type CountingProxy } from '../support/access-log.js';
import { corruptBlob, fetchBlobDigest, getManifestRaw, headBlob, headManifest, listTags, pushImage, sha256 } from '../support/images.js';
import { decodeJwt } from '../support/jwt.js';
import { ensurePki, type Pki } from '../support/pki.js';
import { basicHeader, closeRawHttp, dispatcherFor } from '../support/raw-http.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { runCommand } from '../support/run-command.js';
import { startTokenServer, type RunningTokenServer } from '../support/token-server.js';

const USERS = { testuser: 'testpass' };
const CREDS = { username: 'testuser', password: 'testpass' };
let pki: Pki;
let plain: RunningRegistry;
let basic: RunningRegistry;
let tokenReg: RunningRegistry;
let tokens: RunningTokenServer;
let proxy: CountingProxy;

before(async () => {
  pki = await ensurePki();
  tokens = await startTokenServer({ pki, users: USERS });
  [plain, basic, tokenReg] = await Promise.all([
    startRegistry({ mode: 'plain' }),
    startRegistry({ mode: 'htpasswd+tls' }),
    startRegistry({ mode: 'token+tls', tokenRealm: tokens.realm }),
  ]);
  proxy = await startCountingProxy(plain.url);
});

after(async () => {
  await Promise.all([plain?.stop(), basic?.stop(), tokenReg?.stop(), tokens?.stop(), proxy?.stop()]);
  await closeRawHttp();
});

async function skopeoDigest(reg: RunningRegistry, ref: string): Promise<string> {
  const tls = reg.mode === 'plain' ? ['--tls-verify=false'] : ['--cert-dir', pki.certDir, '--creds', 'testuser:testpass'];
  const { stdout } = await runCommand('skopeo', ['inspect', '--raw', ...tls, `docker://${reg.host}/${ref}`]);
  return sha256(stdout);
}

test('plain: single-arch OCI image; skopeo sees our digest; the layer is a valid tar+gzip', async () => {
  const img = await pushImage(plain, 'lib/single', 'v1', { format: 'oci', layers: [{ seed: 'single-0', size: 3000 }] });
  assert.equal(img.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.equal(await skopeoDigest(plain, 'lib/single:v1'), img.digest);
  assert.deepEqual(await listTags(plain, 'lib/single'), ['v1']);

  const manifest = JSON.parse(img.manifestBytes.toString()) as { config: { digest: string }; layers: { digest: string }[] };
  const layerDigest = manifest.layers[0]!.digest;
  const config = JSON.parse(await readFile(plain.blobPath(manifest.config.digest), 'utf8')) as { rootfs: { diff_ids: string[] } };
  const tar = gunzipSync(await readFile(plain.blobPath(layerDigest)));
  assert.equal(tar.length, 512 + 3072 + 1024);
  assert.equal(sha256(tar), config.rootfs.diff_ids[0]);
  const again = await pushImage(plain, 'lib/single', 'v2', { format: 'oci', layers: [{ seed: 'single-0', size: 3000 }] });
  assert.equal(again.digest, img.digest, 'same spec, same digest');
});

test('htpasswd+tls: multi-arch OCI index, children pushed by digest', async () => {
  const img = await pushImage(basic, 'multi/oci', 'v1', {
    format: 'oci',
    layers: [
      { seed: 'm0', size: 4096 },
      { seed: 'm1', size: 100_000 },
    ],
    platforms: ['linux/amd64', 'linux/arm64/v8'],
  });
  assert.equal(img.mediaType, 'application/vnd.oci.image.index.v1+json');
  assert.equal(img.children?.length, 2);
  assert.equal(img.blobs.length, 6);
  assert.equal(await skopeoDigest(basic, 'multi/oci:v1'), img.digest);
  for (const child of img.children ?? []) {
    assert.equal(await skopeoDigest(basic, `multi/oci@${child.digest}`), child.digest);
  }
  assert.equal((await getManifestRaw({ url: basic.url, ca: basic.ca }, 'multi/oci', 'v1')).status, 401);
  const wrong = { url: basic.url, ca: basic.ca, auth: { username: 'testuser', password: 'nope' } };
  assert.equal((await getManifestRaw(wrong, 'multi/oci', 'v1')).status, 401);
});

test('token+tls: Docker manifest list; the token server saw the user and push scope', async () => {
  const img = await pushImage(tokenReg, 'proj/list', 'v1', {
    format: 'docker',
    layers: [{ seed: 'd0', size: 2048 }],
    platforms: ['linux/amd64', 'linux/arm/v7'],
  });
  assert.equal(img.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
  assert.equal(await skopeoDigest(tokenReg, 'proj/list:v1'), img.digest);
  const got = await getManifestRaw(tokenReg, 'proj/list', 'v1');
  assert.equal(got.digest, img.digest);
  assert.equal(got.mediaType, img.mediaType);
  // distribution's challenge lists the actions in no fixed order (pull,push or push,pull)
  const pushScope = (s: string) => s.startsWith('repository:proj/list:') && ['pull', 'push'].every((a) => s.split(':')[2]!.split(',').includes(a));
  assert.ok(tokens.requests.some((r) => r.user === 'testuser' && r.scopes.some(pushScope)));
  assert.equal((await getManifestRaw({ url: tokenReg.url, ca: tokenReg.ca }, 'proj/list', 'v1')).status, 401);
});

test('token server: multi-scope grant (cross-repo mount), password grant, 401s', async () => {
  await pushImage(tokenReg, 'proj/src', 'v1', { format: 'oci', layers: [{ seed: 't0', size: 1000 }] });
  const realm = new URL(tokens.realm);
  realm.searchParams.set('service', 'regtest');
  realm.searchParams.append('scope', 'repository:proj/dst:pull,push');
  realm.searchParams.append('scope', 'repository:proj/src:pull');
  const dispatcher = dispatcherFor(pki.caCert);
  const res = await request(realm, { headers: { authorization: basicHeader(CREDS) }, dispatcher });
  assert.equal(res.statusCode, 200);
  const { token } = (await res.body.json()) as { token: string };
  const { header, claims } = decodeJwt(token);
  assert.equal(header.alg, 'ES256');
  assert.match(String(header.kid), /^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  assert.equal(claims.aud, 'regtest');
  assert.deepEqual(claims.access, [
    { type: 'repository', name: 'proj/dst', actions: ['pull', 'push'] },
    { type: 'repository', name: 'proj/src', actions: ['pull'] },
  ]);
  const tags = await request(`${tokenReg.url}/v2/proj/src/tags/list`, { headers: { authorization: `Bearer ${token}` }, dispatcher });
  assert.equal(tags.statusCode, 200, await tags.body.text());

  const form = new URLSearchParams({ grant_type: 'password', username: 'testuser', password: 'testpass', service: 'regtest', scope: 'registry:catalog:*' });
  const posted = await request(tokens.realm, {
    method: 'POST',
    body: form.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    dispatcher,
  });
  assert.equal(posted.statusCode, 200);
  const access = decodeJwt(((await posted.body.json()) as { access_token: string }).access_token).claims.access;
  assert.deepEqual(access, [{ type: 'registry', name: 'catalog', actions: ['*'] }]);

  const bad = await request(realm, { headers: { authorization: basicHeader({ username: 'testuser', password: 'x' }) }, dispatcher });
  assert.equal(bad.statusCode, 401);
  await bad.body.dump();
  const anonymous = await request(realm, { dispatcher });
  assert.equal(anonymous.statusCode, 401);
  await anonymous.body.dump();
  assert.ok(tokens.requests.every((r) => !JSON.stringify(r).includes('testpass')));
});

test('shared base layer: the second image uploads only its own blobs (counting proxy)', async () => {
  const base = { seed: 'base', size: 200_000 };
  proxy.reset();
  const a = await pushImage(proxy, 'shared/app', 'a', { format: 'oci', layers: [base, { seed: 'app-a', size: 5000 }] });
  assert.equal(proxy.counts().byMethodAndKind['POST upload'], 3);
  proxy.reset();
  const b = await pushImage(proxy, 'shared/app', 'b', { format: 'oci', layers: [base, { seed: 'app-b', size: 5000 }] });
  const counts = proxy.counts().byMethodAndKind;
  assert.equal(counts['HEAD blob'], 3);
  assert.equal(counts['POST upload'], 2);
  assert.equal(counts['PUT upload'], 2, 'absolute Location headers are rewritten to the proxy');
  assert.equal(counts['PUT manifest'], 1);
  assert.deepEqual(a.blobs.filter((d) => b.blobs.includes(d)).length, 1);
  assert.equal(await skopeoDigest(plain, 'shared/app:b'), b.digest);
});

test('counting proxy: a HEAD manifest and no GET', async () => {
  const img = await pushImage(plain, 'proxy/head', 'v1', { format: 'docker', layers: [{ seed: 'h0', size: 1000 }] });
  proxy.reset();
  const head = await headManifest(proxy, 'proxy/head', 'v1');
  assert.equal(head.status, 200);
  assert.equal(head.digest, img.digest);
  assert.equal(head.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  assert.deepEqual(proxy.counts(), { total: 1, byMethodAndKind: { 'HEAD manifest': 1 } });
});

test('corruptBlob: same size, different bytes under the old digest', async () => {
  const img = await pushImage(plain, 'bad/blob', 'v1', { format: 'oci', layers: [{ seed: 'corrupt-me', size: 70_000 }] });
  const layer = img.blobs.find((d) => d !== JSON.parse(img.manifestBytes.toString()).config.digest)!;
  const before = await fetchBlobDigest(plain, 'bad/blob', layer);
  assert.equal(before.digest, layer);
  await corruptBlob(plain, layer);
  const after = await fetchBlobDigest(plain, 'bad/blob', layer);
  assert.equal(after.status, 200);
  assert.equal(after.size, before.size);
  assert.notEqual(after.digest, layer);
  assert.equal(await headBlob(plain, 'bad/blob', layer), 200);
});
