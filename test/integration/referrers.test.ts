import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  COSIGN_ARTIFACT_TYPES,
  copyImage,
  copyReferrers,
  referrerSubjects,
  type CopyEvent,
  type ReferrersOptions,
  type ReferrersResult,
} from '../../lib/copy/index.js';
import { RegistryPool } from '../../lib/registry/index.js';
import {
  AttachTypes,
  cosignTagOf,
  fallbackTag,
  pushArtifact,
  pushCosignAttestation,
  pushCosignSignature,
  pushFallbackIndex,
  type Pushed,
} from '../support/cosign.js';
import { getManifestRaw, headBlob, headManifest, pushImage, type PushedImage } from '../support/images.js';
import { ensurePki } from '../support/pki.js';
import { RawHttp, type Endpoint } from '../support/raw-http.js';
import { startReferrersFake, type ReferrersFake } from '../support/referrers-fake.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { startTokenServer } from '../support/token-server.js';

const REPO = 'proj/app';
const SPDX = AttachTypes.spdx;
const SIG = COSIGN_ARTIFACT_TYPES.sig;
const sbomBody = (name: string): Buffer => Buffer.from(JSON.stringify({ spdxVersion: 'SPDX-2.3', name, packages: [] }));

interface Attached {
  image: PushedImage;
  sig: Pushed;
  att: Pushed;
  childSig: Pushed;
  sbom: Pushed;
  sbomSig: Pushed;
}

/** Pushes a two-platform image and attaches: cosign .sig/.att on the index, .sig on a child, an SBOM and its signature. */
async function seedAttached(reg: Endpoint, repo: string, withFallbackIndexes: boolean): Promise<Attached & { indexes: Pushed[] }> {
  const image = await pushImage(reg, repo, 'v1', { format: 'oci', layers: [{ seed: `ref-${repo}`, size: 40_000 }], platforms: ['linux/amd64', 'linux/arm64'] });
  const root = { digest: image.digest, size: image.manifestBytes.length, mediaType: image.mediaType };
  const sig = await pushCosignSignature(reg, repo, image.digest);
  const att = await pushCosignAttestation(reg, repo, image.digest);
  const childSig = await pushCosignSignature(reg, repo, image.children![0]!.digest, 'child');
  const sbom = await pushArtifact(reg, repo, root, SPDX, sbomBody(repo));
  const sbomSubject = { digest: sbom.digest, size: sbom.size, mediaType: sbom.mediaType };
  const sbomSig = await pushArtifact(reg, repo, sbomSubject, SIG, Buffer.from(`signature of ${sbom.digest}`), AttachTypes.simpleSigning);
  const indexes = withFallbackIndexes
    ? [await pushFallbackIndex(reg, repo, image.digest, [sbom]), await pushFallbackIndex(reg, repo, sbom.digest, [sbomSig])]
    : [];
  return { image, sig, att, childSig, sbom, sbomSig, indexes };
}

const subjectsOf = (image: PushedImage): string[] => [image.digest, ...(image.children ?? []).map((c) => c.digest)];
const summary = (r: ReferrersResult): string[] => r.referrers.map((x) => `${x.via} ${x.digest} ${x.tag ?? '-'} ${x.status}`).sort();

describe('referrers and cosign attachments against real distribution 2.8 and an OCI 1.1 fake', () => {
  let src: RunningRegistry;
  let dst: RunningRegistry;
  let other: RunningRegistry;
  let tokens: Awaited<ReturnType<typeof startTokenServer>>;
  let fake: ReferrersFake;
  let lazyFake: ReferrersFake;
  let pool: RegistryPool;
  let a: Attached & { indexes: Pushed[] };

  before(async () => {
    const pki = await ensurePki();
    tokens = await startTokenServer({ pki, users: { testuser: 'testpass' } });
    [src, dst, other, fake, lazyFake] = await Promise.all([
      startRegistry({ mode: 'plain' }),
      startRegistry({ mode: 'token+tls', tokenRealm: tokens.realm }),
      startRegistry({ mode: 'plain' }),
      startReferrersFake({ pageSize: 1 }),
      startReferrersFake({ applyFilters: false }),
    ]);
    const ca = readFileSync(pki.caCert, 'utf8');
    pool = new RegistryPool((registry) => (registry === dst.host ? { credentials: { username: 'testuser', password: 'testpass' }, ca } : { insecure: true }));
    a = await seedAttached(src, REPO, true);
  });

  after(async () => {
    await pool?.close();
    await Promise.all([src, dst, other].map((r) => r?.stop()));
    await Promise.all([fake, lazyFake].map((f) => f?.stop()));
    await tokens?.stop();
  });

  const copyAll = async (
    from: { host: string },
    fromRepo: string,
    to: { host: string },
    toRepo: string,
    image: PushedImage,
    options: ReferrersOptions = {},
  ) => {
    const source = pool.repository(from.host, fromRepo);
    const target = pool.repository(to.host, toRepo);
    const copied = await copyImage(source, 'v1', target, 'v1');
    const subjects = await referrerSubjects(target, copied.digest);
    assert.deepEqual(subjects, subjectsOf(image));
    return copyReferrers(source, target, subjects, options);
  };

  const expectManifest = async (reg: Endpoint, repo: string, reference: string, expected: Pushed) => {
    const got = await getManifestRaw(reg, repo, reference);
    assert.equal(got.status, 200, `${repo}:${reference} exists`);
    assert.equal(got.digest, expected.digest, `${repo}:${reference}`);
    assert.deepEqual(got.bytes, expected.bytes);
  };

  it('distribution 2.8 stores manifests with subject and artifactType unchanged, and has no referrers API', async () => {
    const got = await getManifestRaw(src, REPO, a.sbom.digest);
    assert.equal(got.digest, a.sbom.digest);
    const json = JSON.parse(got.bytes!.toString()) as { subject?: { digest: string }; artifactType?: string };
    assert.equal(json.subject?.digest, a.image.digest);
    assert.equal(json.artifactType, SPDX);
    assert.equal((a.sbom as Pushed & { headers: Record<string, string> }).headers['oci-subject'], undefined);
    const api = await new RawHttp(src).send('GET', `/v2/${REPO}/referrers/${a.image.digest}`);
    assert.equal(api.status, 404);
    assert.equal(await pool.repository(src.host, REPO).referrers(a.image.digest), undefined);
  });

  it('copies cosign tags, the SBOM, its signature and both fallback indexes byte for byte into token+tls', async () => {
    const result = await copyAll(src, REPO, dst, REPO, a.image);
    assert.deepEqual(
      summary(result),
      [
        `cosign-tag ${a.att.digest} ${cosignTagOf(a.image.digest, 'att')} copied`,
        `cosign-tag ${a.childSig.digest} ${cosignTagOf(a.image.children![0]!.digest, 'sig')} copied`,
        `cosign-tag ${a.sig.digest} ${cosignTagOf(a.image.digest, 'sig')} copied`,
        `tag-fallback ${a.sbom.digest} - copied`,
        `tag-fallback ${a.sbomSig.digest} - copied`,
      ].sort(),
    );
    assert.equal(result.referrers.find((r) => r.digest === a.sbom.digest)?.artifactType, SPDX);
    assert.equal(result.referrers.find((r) => r.digest === a.sbomSig.digest)?.subject, a.sbom.digest);
    for (const p of [a.sig, a.att, a.childSig]) await expectManifest(dst, REPO, p.tag!, p);
    for (const p of [a.sbom, a.sbomSig]) await expectManifest(dst, REPO, p.digest, p);
    await expectManifest(dst, REPO, fallbackTag(a.image.digest), a.indexes[0]!);
    await expectManifest(dst, REPO, fallbackTag(a.sbom.digest), a.indexes[1]!);
    for (const blob of [...a.sig.blobs, ...a.att.blobs, ...a.sbom.blobs, ...a.sbomSig.blobs]) assert.equal(await headBlob(dst, REPO, blob), 200, blob);
    assert.deepEqual(
      result.fallbackIndexes.map((f) => `${f.tag} ${f.digest} ${f.status}`).sort(),
      [`${fallbackTag(a.image.digest)} ${a.indexes[0]!.digest} written`, `${fallbackTag(a.sbom.digest)} ${a.indexes[1]!.digest} written`].sort(),
    );
  });

  it('a second run copies nothing', async () => {
    const events: CopyEvent[] = [];
    const source = pool.repository(src.host, REPO);
    const result = await copyReferrers(source, pool.repository(dst.host, REPO), subjectsOf(a.image), { observer: (e) => events.push(e) });
    assert.equal(result.referrers.length, 5);
    assert.ok(
      result.referrers.every((r) => r.status === 'present'),
      JSON.stringify(result.referrers),
    );
    assert.ok(result.fallbackIndexes.every((f) => f.status === 'unchanged'));
    assert.deepEqual(
      events.filter((e) => e.type === 'manifest' || (e.type === 'blob' && e.action !== 'skipped')),
      [],
    );
  });

  it('keeps only the chosen artifact types (referrers and cosign tags)', async () => {
    const sbomOnly = await copyAll(src, REPO, other, 'only/sbom', a.image, { artifactTypes: [SPDX] });
    assert.deepEqual(summary(sbomOnly), [`tag-fallback ${a.sbom.digest} - copied`]);
    await expectManifest(other, 'only/sbom', fallbackTag(a.image.digest), a.indexes[0]!);
    for (const ref of [a.sbomSig.digest, a.sig.tag!, fallbackTag(a.sbom.digest)]) assert.equal((await headManifest(other, 'only/sbom', ref)).status, 404, ref);

    const sigs = await copyAll(src, REPO, other, 'only/sig', a.image, { artifactTypes: [SIG] });
    assert.deepEqual(summary(sigs), [`cosign-tag ${a.childSig.digest} ${a.childSig.tag} copied`, `cosign-tag ${a.sig.digest} ${a.sig.tag} copied`].sort());
    assert.equal((await headManifest(other, 'only/sig', a.att.tag!)).status, 404);

    // a cosign tag is also selected by the media types inside it (the DSSE layer of .att)
    const atts = await copyAll(src, REPO, other, 'only/att', a.image, { artifactTypes: [AttachTypes.dsse] });
    assert.deepEqual(summary(atts), [`cosign-tag ${a.att.digest} ${a.att.tag} copied`]);
  });

  it('copies from a registry with the referrers API to distribution, writing the fallback indexes there', async () => {
    const f = await seedAttached({ url: fake.url }, REPO, false);
    assert.equal((f.sbom as Pushed & { headers: Record<string, string> }).headers['oci-subject'], f.image.digest);
    const root = { digest: f.image.digest, size: f.image.manifestBytes.length, mediaType: f.image.mediaType };
    const cdx = await pushArtifact({ url: fake.url }, REPO, root, 'application/vnd.cyclonedx+json', Buffer.from('{"bomFormat":"CycloneDX"}'));
    const result = await copyAll(fake, REPO, other, 'from/fake', f.image);
    assert.ok(fake.requests.includes(`GET /v2/${REPO}/referrers/${f.image.digest}`), 'asked the API');
    assert.ok(
      fake.requests.some((r) => r.includes('/referrers/') && r.includes('last=')),
      'followed a Link page',
    );
    assert.deepEqual(
      summary(result).filter((s) => !s.startsWith('cosign')),
      [`api ${f.sbom.digest} - copied`, `api ${f.sbomSig.digest} - copied`, `api ${cdx.digest} - copied`].sort(),
    );
    assert.equal(result.referrers.filter((r) => r.via === 'cosign-tag').length, 3);
    const byDigest = (x: Pushed, y: Pushed) => (x.digest < y.digest ? -1 : 1);
    for (const [subject, entries] of [
      [f.image.digest, [f.sbom, cdx].sort(byDigest)],
      [f.sbomSig.digest, []],
      [f.sbom.digest, [f.sbomSig]],
    ] as const) {
      const index = await getManifestRaw(other, 'from/fake', fallbackTag(subject));
      if (!entries.length) {
        assert.equal(index.status, 404);
        continue;
      }
      const manifests = (JSON.parse(index.bytes!.toString()) as { manifests: { digest: string; artifactType?: string }[] }).manifests;
      assert.deepEqual(
        manifests.map((m) => [m.digest, m.artifactType]),
        entries.map((e) => [e.digest, e.artifactType]),
      );
    }
    for (const p of [f.sbom, f.sbomSig]) await expectManifest(other, 'from/fake', p.digest, p);
    for (const p of [f.sig, f.att, f.childSig]) await expectManifest(other, 'from/fake', p.tag!, p);

    // one type: asked with ?artifactType= and the fake filters
    fake.requests.length = 0;
    const filtered = await copyAll(fake, REPO, other, 'from/fake-sbom', f.image, { artifactTypes: [SPDX] });
    assert.deepEqual(summary(filtered), [`api ${f.sbom.digest} - copied`]);
    assert.ok(fake.requests.some((r) => r.startsWith(`GET /v2/${REPO}/referrers/${f.image.digest}?artifactType=application%2Fspdx%2Bjson`)));
  });

  it('filters on the client when the registry ignores ?artifactType=', async () => {
    const f = await seedAttached({ url: lazyFake.url }, REPO, false);
    const result = await copyAll(lazyFake, REPO, other, 'from/lazy', f.image, { artifactTypes: [SPDX] });
    assert.deepEqual(summary(result), [`api ${f.sbom.digest} - copied`]);
  });

  it('copies from distribution to a registry that indexes subjects itself: no fallback tag there', async () => {
    const result = await copyAll(src, REPO, fake, 'mirror/app', a.image);
    assert.equal(result.referrers.length, 5);
    assert.deepEqual(result.fallbackIndexes, []);
    const tags = fake.tags('mirror/app');
    assert.equal(tags.get(a.sig.tag!), a.sig.digest);
    assert.equal(tags.get(a.childSig.tag!), a.childSig.digest);
    assert.equal(tags.has(fallbackTag(a.image.digest)), false);
    assert.equal(tags.has(fallbackTag(a.sbom.digest)), false);
    const target = pool.repository(fake.host, 'mirror/app');
    assert.deepEqual(
      (await target.referrers(a.image.digest))?.map((d) => d.digest),
      [a.sbom.digest],
    );
    assert.deepEqual(
      (await target.referrers(a.sbom.digest))?.map((d) => d.digest),
      [a.sbomSig.digest],
    );

    fake.requests.length = 0;
    const again = await copyReferrers(pool.repository(src.host, REPO), target, subjectsOf(a.image));
    assert.ok(again.referrers.every((r) => r.status === 'present'));
    assert.deepEqual(again.fallbackIndexes, []);
    assert.deepEqual(
      fake.requests.filter((r) => !r.startsWith('HEAD')),
      [`GET /v2/mirror/app/referrers/${a.image.digest}`],
    );
  });
});
