import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BlobCoordinator,
  COSIGN_ARTIFACT_TYPES,
  CopyError,
  copyImage,
  copyReferrers,
  cosignArtifactTypes,
  referrerSubjects,
  mergeReferrersIndex,
  selectsArtifactType,
  type CopyEvent,
} from '../../../lib/copy/index.js';
import {
  cosignTag,
  referrersTag,
  sha256Digest,
  type CallOptions,
  type Descriptor,
  type RawManifest,
  type ReferrersCallOptions,
} from '../../../lib/oci/index.js';
import { discoverReferrers, type DiscoverContext } from '../../../lib/copy/referrers-discover.js';
import { assertSignalsFollow, httpFailure, inFlight, isCopyError, seedPlainImage, spyCalls, type SpiedCall } from '../../support/copy-fixtures.js';
import { MemoryRegistry, type MemoryRepository, MountingRepository } from '../../support/memory-registry.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const SBOM = 'application/spdx+json';
const SIG = COSIGN_ARTIFACT_TYPES.sig;
const HEX = 'a'.repeat(64);

const raw = (json: object, mediaType = OCI_MANIFEST): RawManifest => ({ bytes: Buffer.from(JSON.stringify(json)), mediaType });
const desc = (digest: string, artifactType?: string): Descriptor => ({ mediaType: OCI_MANIFEST, digest, size: 10, ...(artifactType ? { artifactType } : {}) });
const indexOf = (m: RawManifest | undefined): Descriptor[] => (JSON.parse(Buffer.from(m!.bytes).toString()) as { manifests: Descriptor[] }).manifests;

describe('referrers: tag names', () => {
  it('maps a digest to the referrers tag and cosign tags', () => {
    assert.equal(referrersTag(`sha256:${HEX}`), `sha256-${HEX}`);
    assert.equal(cosignTag(`sha256:${HEX}`, 'sig'), `sha256-${HEX}.sig`);
    assert.equal(cosignTag(`sha256:${HEX}`, 'sbom'), `sha256-${HEX}.sbom`);
    // the spec truncates the algorithm to 32 and the hex to 64 characters (a tag has at most 128)
    assert.equal(referrersTag(`${'x'.repeat(40)}:${'b'.repeat(100)}`), `${'x'.repeat(32)}-${'b'.repeat(64)}`);
    assert.throws(() => referrersTag('latest'), TypeError);
  });
});

describe('referrers: fallback index merging', () => {
  it('creates a new index sorted by digest, without duplicates', () => {
    const merged = mergeReferrersIndex(undefined, [desc('sha256:cc'), desc('sha256:aa'), desc('sha256:cc')]);
    assert.equal(merged?.mediaType, OCI_INDEX);
    const json = JSON.parse(Buffer.from(merged!.bytes).toString()) as { schemaVersion: number; mediaType: string };
    assert.equal(json.schemaVersion, 2);
    assert.equal(json.mediaType, OCI_INDEX);
    assert.deepEqual(
      indexOf(merged).map((d) => d.digest),
      ['sha256:aa', 'sha256:cc'],
    );
  });

  it('keeps existing entries, their order and the index fields, and appends the new ones sorted', () => {
    const existing = raw(
      { schemaVersion: 2, mediaType: OCI_INDEX, annotations: { a: 'b' }, manifests: [desc('sha256:zz', SIG), desc('sha256:bb')] },
      OCI_INDEX,
    );
    const merged = mergeReferrersIndex(existing, [desc('sha256:bb'), desc('sha256:yy', SBOM), desc('sha256:aa')]);
    assert.deepEqual(
      indexOf(merged).map((d) => d.digest),
      ['sha256:zz', 'sha256:bb', 'sha256:aa', 'sha256:yy'],
    );
    assert.equal(indexOf(merged)[0]!.artifactType, SIG);
    assert.deepEqual((JSON.parse(Buffer.from(merged!.bytes).toString()) as { annotations: object }).annotations, { a: 'b' });
    // same inputs, same bytes: the order does not depend on the order things were found in
    assert.deepEqual(merged!.bytes, mergeReferrersIndex(existing, [desc('sha256:aa'), desc('sha256:yy', SBOM)])!.bytes);
  });

  it('is unchanged (undefined) when every digest is listed already', () => {
    const existing = raw({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [desc('sha256:aa'), desc('sha256:bb')] }, OCI_INDEX);
    assert.equal(mergeReferrersIndex(existing, [desc('sha256:bb'), desc('sha256:aa')]), undefined);
  });

  it('replaces a body that is not an index', () => {
    const merged = mergeReferrersIndex(raw({ hello: 'world' }), [desc('sha256:aa')]);
    assert.deepEqual(
      indexOf(merged).map((d) => d.digest),
      ['sha256:aa'],
    );
  });
});

describe('referrers: artifact type filter', () => {
  it('selects everything without a filter and only named types with one', () => {
    assert.equal(selectsArtifactType(undefined, [undefined]), true);
    assert.equal(selectsArtifactType([], ['x']), true);
    assert.equal(selectsArtifactType([SBOM], [SIG]), false);
    assert.equal(selectsArtifactType([SBOM], [undefined]), false);
    assert.equal(selectsArtifactType([SIG, SBOM], [SBOM]), true);
  });

  it('gives a cosign tag its suffix type plus the media types inside its manifest', () => {
    assert.deepEqual(cosignArtifactTypes('sig'), [SIG]);
    assert.deepEqual(cosignArtifactTypes('att'), ['application/vnd.dsse.envelope.v1+json']);
    const sbom = raw({ schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json' }, layers: [{ mediaType: 'text/spdx+json' }] });
    assert.deepEqual(cosignArtifactTypes('sbom', sbom), [COSIGN_ARTIFACT_TYPES.sbom, 'application/vnd.oci.image.config.v1+json', 'text/spdx+json']);
    assert.deepEqual(cosignArtifactTypes('sig', { bytes: Buffer.from('not json'), mediaType: OCI_MANIFEST }), [SIG]);
  });
});

/** A memory repository with the referrers API (computed from stored manifests' `subject`) and OCI-Subject. */
class ApiRepository extends MountingRepository {
  constructor(
    private readonly store: MemoryRegistry,
    repository: string,
  ) {
    super(store, repository);
  }

  async referrers(digest: string, options?: ReferrersCallOptions): Promise<Descriptor[]> {
    this.store.log(`GET referrers ${digest}`, options);
    const out: Descriptor[] = [];
    for (const [d, m] of this.store.manifestsOf(this.repository)) {
      const json = JSON.parse(Buffer.from(m.bytes).toString()) as { subject?: { digest: string }; artifactType?: string };
      if (json.subject?.digest !== digest) continue;
      if (options?.artifactType && json.artifactType !== options.artifactType) continue;
      out.push({ mediaType: m.mediaType, digest: d, size: m.bytes.length, ...(json.artifactType ? { artifactType: json.artifactType } : {}) });
    }
    return out.sort((a, b) => (a.digest < b.digest ? -1 : 1));
  }

  async pushManifestWithSubject(reference: string, manifest: RawManifest, options?: CallOptions): Promise<string | undefined> {
    await this.pushManifest(reference, manifest);
    void options;
    return (JSON.parse(Buffer.from(manifest.bytes).toString()) as { subject?: { digest: string } }).subject?.digest;
  }
}

/** Seeds an image and an artifact `artifactType` whose subject is `subject`; returns its descriptor. */
function seedArtifact(repo: MemoryRepository, subject: string | undefined, artifactType: string, seed: string): Descriptor {
  const blob = Buffer.from(`content of ${seed}`);
  const empty = Buffer.from('{}');
  const m = raw({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Digest(empty), size: 2 },
    layers: [{ mediaType: artifactType, digest: sha256Digest(blob), size: blob.length }],
    ...(subject ? { subject: { mediaType: OCI_MANIFEST, digest: subject, size: 1 } } : {}),
  });
  const digest = repo.seed(undefined, m, [blob, empty]);
  return { mediaType: OCI_MANIFEST, digest, size: m.bytes.length, artifactType };
}

const seedIndex = (repo: MemoryRepository, subject: string, entries: Descriptor[]): string =>
  repo.seed(referrersTag(subject), raw({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries }, OCI_INDEX));

describe('copyReferrers over in-memory stores', () => {
  it('follows referrers of referrers up to maxDepth and stops at cycles', async () => {
    const src = new MemoryRegistry('src').repo('app');
    const dst = new MemoryRegistry('dst').repo('app');
    const image = seedArtifact(src, undefined, 'application/vnd.oci.image.config.v1+json', 'image');
    const r1 = seedArtifact(src, image.digest, SBOM, 'r1');
    const r2 = seedArtifact(src, r1.digest, SIG, 'r2');
    const r3 = seedArtifact(src, r2.digest, SIG, 'r3');
    seedIndex(src, image.digest, [r1]);
    seedIndex(src, r1.digest, [r2]);
    seedIndex(src, r2.digest, [r3, image]); // a lying index that points back at the image: a cycle
    await copyImage(src, image.digest, dst, image.digest);
    const shallow = await copyReferrers(src, dst, [image.digest], { maxDepth: 2 });
    assert.deepEqual(
      shallow.referrers.map((r) => r.digest),
      [r1.digest, r2.digest],
    );
    assert.equal(await dst.resolve(r3.digest), undefined);
    const deep = await copyReferrers(src, dst, [image.digest]);
    const deepest = [
      [image.digest, 'present'],
      [r3.digest, 'copied'],
    ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
    assert.deepEqual(
      deep.referrers.map((r) => [r.digest, r.status]),
      [[r1.digest, 'present'], [r2.digest, 'present'], ...deepest],
    );
    assert.ok(
      deep.referrers.every((r) => r.via === 'tag-fallback'),
      'all found through the tag schema',
    );
    assert.deepEqual(
      deep.fallbackIndexes.map((f) => [f.subject, f.status]).sort(),
      [
        [image.digest, 'unchanged'],
        [r1.digest, 'unchanged'],
        [r2.digest, 'written'],
      ].sort(),
    );
  });

  it('writes the fallback index on a target without the API, then finds nothing to do', async () => {
    const src = new MemoryRegistry('src').repo('app');
    const dst = new MemoryRegistry('dst').repo('app');
    const image = seedArtifact(src, undefined, 'x', 'image');
    const sbom = seedArtifact(src, image.digest, SBOM, 'sbom');
    const sig = seedArtifact(src, image.digest, SIG, 'sig');
    const srcIndex = seedIndex(src, image.digest, [sig, sbom]);
    const payload = Buffer.from('{"critical":{}}');
    const cosignSig = raw({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(payload), size: payload.length },
      layers: [],
    });
    src.seed(cosignTag(image.digest, 'sig'), cosignSig, [payload]);
    const first = await copyReferrers(src, dst, [image.digest]);
    assert.equal(first.referrers.filter((r) => r.status === 'copied').length, 3);
    // the source index is reproduced byte for byte
    assert.equal((await dst.resolve(referrersTag(image.digest)))?.digest, srcIndex);
    const events: CopyEvent[] = [];
    const again = await copyReferrers(src, dst, [image.digest], { observer: (e) => events.push(e) });
    assert.deepEqual(
      again.referrers.map((r) => r.status),
      ['present', 'present', 'present'],
    );
    assert.deepEqual(
      events.filter((e) => e.type === 'manifest' || e.type === 'blob'),
      [],
    );
    assert.equal(again.fallbackIndexes[0]?.status, 'unchanged');
  });

  it('reports an index entry the source lacks as missing and leaves it out of the target index', async () => {
    const src = new MemoryRegistry('src').repo('app');
    const dst = new MemoryRegistry('dst').repo('app');
    const image = seedArtifact(src, undefined, 'x', 'image');
    const sbom = seedArtifact(src, image.digest, SBOM, 'sbom');
    const ghost = desc(`sha256:${'0'.repeat(64)}`, SIG);
    seedIndex(src, image.digest, [sbom, ghost]);
    const result = await copyReferrers(src, dst, [image.digest]);
    assert.deepEqual(
      result.referrers.map((r) => [r.digest, r.status]),
      [
        [ghost.digest, 'missing'],
        [sbom.digest, 'copied'],
      ],
    );
    const index = await dst.fetchManifest(referrersTag(image.digest));
    assert.deepEqual(
      indexOf(index).map((d) => d.digest),
      [sbom.digest],
    );
  });

  it('lists an index and its children as subjects', async () => {
    const repo = new MemoryRegistry('r').repo('app');
    const one = seedArtifact(repo, undefined, 'x', 'one');
    const two = seedArtifact(repo, undefined, 'x', 'two');
    const index = repo.seed('v1', raw({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [one, two] }, OCI_INDEX));
    assert.deepEqual(await referrerSubjects(repo, index), [index, one.digest, two.digest]);
    assert.deepEqual(await referrerSubjects(repo, one.digest), [one.digest]);
  });

  it('uses the API on both sides: filtered listing, no fallback tag on a target that answers OCI-Subject', async () => {
    const srcReg = new MemoryRegistry('src');
    const dstReg = new MemoryRegistry('dst');
    const src = new ApiRepository(srcReg, 'app');
    const dst = new ApiRepository(dstReg, 'app');
    const image = seedArtifact(src, undefined, 'x', 'image');
    const sbom = seedArtifact(src, image.digest, SBOM, 'sbom');
    seedArtifact(src, image.digest, SIG, 'sig');
    const result = await copyReferrers(src, dst, [image.digest], { artifactTypes: [SBOM] });
    assert.deepEqual(
      result.referrers.map((r) => [r.digest, r.via, r.artifactType]),
      [[sbom.digest, 'api', SBOM]],
    );
    assert.deepEqual(result.fallbackIndexes, []);
    assert.equal(dstReg.tagsOf('app').size, 0);
    assert.ok(srcReg.calls.includes(`GET referrers ${image.digest}`), 'the source API was asked');
    // present already: the target's own API (asked once) says it indexes referrers
    const again = await copyReferrers(src, dst, [image.digest], { artifactTypes: [SBOM] });
    assert.equal(again.referrers[0]?.status, 'present');
    assert.deepEqual(again.fallbackIndexes, []);
    assert.equal(dstReg.count('GET referrers'), 1); // one probe per call, and only when nothing was pushed
  });
});

/** A cosign `.sig`/`.sbom` style manifest (no subject) tagged `cosignTag(subject, suffix)`, one layer of `layerType`. */
function seedCosign(repo: MemoryRepository, subject: string, suffix: 'sig' | 'att' | 'sbom', layerType: string): string {
  const payload = Buffer.from(`${suffix} of ${subject}`);
  const config = Buffer.from('{}');
  return repo.seed(
    cosignTag(subject, suffix),
    raw({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config), size: 2 },
      layers: [{ mediaType: layerType, digest: sha256Digest(payload), size: payload.length }],
    }),
    [payload, config],
  );
}

describe('discoverReferrers', () => {
  it('asks a source without the API once, then reads tags only', async () => {
    const reg = new MemoryRegistry('src');
    let asked = 0;
    const source = Object.assign(reg.repo('app'), { referrers: async () => void asked++ });
    const one = seedArtifact(source, undefined, 'x', 'one');
    const sbom = seedArtifact(source, one.digest, SBOM, 'sbom');
    seedIndex(source, one.digest, [sbom]);
    const ctx: DiscoverContext = { source };
    assert.deepEqual(
      (await discoverReferrers(ctx, one.digest)).listed.map((f) => [f.digest, f.via]),
      [[sbom.digest, 'tag-fallback']],
    );
    await discoverReferrers(ctx, `sha256:${HEX}`);
    assert.deepEqual([asked, ctx.sourceHasApi], [1, false]);
  });

  it('keeps using the API of a source that has it, with the signal and a lone filter type', async () => {
    const src = new ApiRepository(new MemoryRegistry('src'), 'app');
    const image = seedArtifact(src, undefined, 'x', 'image');
    const sbom = seedArtifact(src, image.digest, SBOM, 'sbom');
    seedArtifact(src, image.digest, SIG, 'sig');
    const options: Array<ReferrersCallOptions | undefined> = [];
    const list = src.referrers.bind(src);
    src.referrers = (digest, o) => {
      options.push(o);
      return list(digest, o);
    };
    const signal = new AbortController().signal;
    const ctx: DiscoverContext = { source: src, signal, artifactTypes: [SBOM] };
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(
        (await discoverReferrers(ctx, image.digest)).listed.map((f) => [f.digest, f.via]),
        [[sbom.digest, 'api']],
      );
    }
    assert.deepEqual(options, [
      { signal, artifactType: SBOM },
      { signal, artifactType: SBOM },
    ]);
    await discoverReferrers({ source: src, signal, artifactTypes: [SBOM, SIG] }, image.digest);
    assert.deepEqual(options[2], { signal });
  });

  it('leaves out a subject listed among its own referrers and the types the filter does not name', async () => {
    const src = new MemoryRegistry('src').repo('app');
    const image = seedArtifact(src, undefined, 'x', 'image');
    const sbom = seedArtifact(src, image.digest, SBOM, 'sbom');
    const sig = seedArtifact(src, image.digest, SIG, 'sig');
    seedIndex(src, image.digest, [image, sbom, sig]);
    const all = await discoverReferrers({ source: src }, image.digest);
    assert.deepEqual(all.listed.map((f) => f.digest).sort(), [sbom.digest, sig.digest].sort());
    const some = await discoverReferrers({ source: src, artifactTypes: [SBOM] }, image.digest);
    assert.deepEqual(
      some.listed.map((f) => f.digest),
      [sbom.digest],
    );
  });

  it('selects cosign tags by suffix without reading them, by their content when the filter names other types', async () => {
    const reg = new MemoryRegistry('src');
    const src = reg.repo('app');
    const image = seedArtifact(src, undefined, 'x', 'image');
    const sig = seedCosign(src, image.digest, 'sig', 'application/vnd.dev.cosign.simplesigning.v1+json');
    const sbom = seedCosign(src, image.digest, 'sbom', 'text/spdx+json');
    const calls: SpiedCall[] = [];
    const signal = new AbortController().signal;
    const found = async (artifactTypes?: string[]) => {
      reg.calls.length = 0;
      const r = await discoverReferrers({ source: spyCalls(src, calls), signal, ...(artifactTypes ? { artifactTypes } : {}) }, image.digest);
      return r.cosign.map((f) => [f.digest, f.tag, f.artifactType]);
    };
    assert.deepEqual(await found(), [
      [sig, cosignTag(image.digest, 'sig'), SIG],
      [sbom, cosignTag(image.digest, 'sbom'), COSIGN_ARTIFACT_TYPES.sbom],
    ]);
    assert.deepEqual(
      reg.calls.filter((c) => c.startsWith('GET')),
      [],
    );
    assert.deepEqual(await found([SIG]), [[sig, cosignTag(image.digest, 'sig'), SIG]]);
    assert.deepEqual(
      reg.calls.filter((c) => c.startsWith('GET')),
      [`GET manifest app:${sbom}`],
      'the .sig is chosen by its suffix; only the .sbom is read',
    );
    assert.deepEqual(await found(['text/spdx+json']), [[sbom, cosignTag(image.digest, 'sbom'), COSIGN_ARTIFACT_TYPES.sbom]]);
    assert.equal(reg.count('GET manifest'), 2, 'the .sig and the .sbom');
    assert.ok(
      calls.every((c) => c.signal === signal),
      'every request carries the signal',
    );
  });

  it('names the request that failed: referrers API, referrers tag, cosign tag HEAD or GET', async () => {
    const subject = `sha256:${HEX}`;
    const api = Object.assign(new MemoryRegistry('src').repo('app'), { referrers: () => Promise.reject(httpFailure(500, 'referrers')) });
    await assert.rejects(
      discoverReferrers({ source: api }, subject),
      isCopyError({ code: 'REGISTRY_ERROR', op: 'resolve', origin: 'source', ref: `src/app referrers of ${subject}`, digest: subject }),
    );
    const failing = (bad: (ref: string) => boolean) => {
      const repo = new MemoryRegistry('src').repo('app');
      const head = repo.resolve.bind(repo);
      repo.resolve = (ref, o) => (bad(ref) ? Promise.reject(httpFailure(500, ref)) : head(ref, o));
      return repo;
    };
    await assert.rejects(
      discoverReferrers({ source: failing((ref) => ref === referrersTag(subject)) }, subject),
      isCopyError({ code: 'REGISTRY_ERROR', op: 'fetch-manifest', origin: 'source', ref: `src/app:${referrersTag(subject)}` }),
    );
    await assert.rejects(
      discoverReferrers({ source: failing((ref) => ref.endsWith('.sig')) }, subject),
      isCopyError({ code: 'REGISTRY_ERROR', op: 'resolve', origin: 'source', ref: `src/app:${cosignTag(subject, 'sig')}` }),
    );
    const junk = new MemoryRegistry('src').repo('app');
    junk.seed(referrersTag(subject), { bytes: Buffer.from('{not json'), mediaType: OCI_INDEX });
    await assert.rejects(
      discoverReferrers({ source: junk }, subject),
      isCopyError({ code: 'MANIFEST_INVALID', op: 'fetch-manifest', origin: 'source', ref: `src/app:${referrersTag(subject)}` }),
    );
    const unreadable = new MemoryRegistry('src').repo('app');
    const sig = seedCosign(unreadable, subject, 'sig', 'x/y');
    unreadable.fetchManifest = () => Promise.reject(httpFailure(500, 'sig'));
    await assert.rejects(
      discoverReferrers({ source: unreadable, artifactTypes: [SBOM] }, subject),
      isCopyError({ code: 'REGISTRY_ERROR', op: 'fetch-manifest', origin: 'source', ref: `src/app:${cosignTag(subject, 'sig')}`, digest: sig }),
    );
  });
});

describe('copyReferrers: contracts', () => {
  /** An image with an SBOM listed in its `sha256-<hex>` index, on the source repository `app`. */
  function imageWithSbom(src: MemoryRepository, seed: string) {
    const image = seedArtifact(src, undefined, 'x', seed);
    const sbom = seedArtifact(src, image.digest, SBOM, `${seed}-sbom`);
    seedIndex(src, image.digest, [sbom]);
    return { image, sbom };
  }

  it('forwards the signal and the observer to every referrer copy and fallback index', async () => {
    const src = new MemoryRegistry('src').repo('app');
    const dst = new MemoryRegistry('dst').repo('app');
    const { image, sbom } = imageWithSbom(src, 'image');
    const calls: SpiedCall[] = [];
    const caller = new AbortController();
    const events: CopyEvent[] = [];
    await copyReferrers(spyCalls(src, calls), spyCalls(dst, calls), [image.digest], { signal: caller.signal, observer: (e) => events.push(e) });
    assert.deepEqual(
      events.flatMap((e) => (e.type === 'manifest' ? [e.reference] : [])),
      [sbom.digest, referrersTag(image.digest)],
    );
    assertSignalsFollow(calls, caller);
  });

  it('forwards blobConcurrency and the coordinator (a blob known elsewhere on the target is mounted)', async () => {
    const src = new MemoryRegistry('src').repo('app');
    const dstReg = new MemoryRegistry('dst');
    const image = seedArtifact(src, undefined, 'x', 'image');
    const layers = ['1', '2', '3', '4', '5'].map((s) => Buffer.alloc(50, s));
    const referrer = seedPlainImage(src, undefined, 'ref', layers);
    seedIndex(src, image.digest, [desc(referrer, SBOM)]);
    dstReg.blobsOf('other').set(sha256Digest(layers[0]!), layers[0]!);
    const coordinator = new BlobCoordinator();
    coordinator.remember('dst', 'other', sha256Digest(layers[0]!));
    const target = dstReg.repo('app');
    // every blob the target lacks is read from the source, however its presence was checked
    const gate = inFlight(src.fetchBlob.bind(src));
    src.fetchBlob = gate.fn;
    await copyReferrers(src, target, [image.digest], { blobConcurrency: 2, coordinator });
    assert.equal(gate.max(), 2);
    assert.ok(dstReg.calls.includes(`MOUNT blob app@${sha256Digest(layers[0]!)} from other`), 'the shared coordinator offered the mount');
  });

  it('does not look for referrers of a referrer the source lacks', async () => {
    const src = new MemoryRegistry('src');
    const dst = new MemoryRegistry('dst').repo('app');
    const image = seedArtifact(src.repo('app'), undefined, 'x', 'image');
    const ghost = `sha256:${'0'.repeat(64)}`;
    seedIndex(src.repo('app'), image.digest, [desc(ghost, SIG)]);
    const r = await copyReferrers(src.repo('app'), dst, [image.digest]);
    assert.deepEqual(
      r.referrers.map((x) => x.status),
      ['missing'],
    );
    assert.deepEqual(
      src.calls.filter((c) => c.includes(`sha256-${'0'.repeat(64)}`)),
      [],
    );
  });

  it('fails as a whole when a discovery fails, a cosign tag vanishes or a listed referrer cannot be read', async () => {
    const src = new MemoryRegistry('src').repo('app');
    const { image } = imageWithSbom(src, 'image');
    const head = src.resolve.bind(src);
    src.resolve = (ref, o) => (ref.endsWith('.att') ? Promise.reject(httpFailure(500, ref)) : head(ref, o));
    await assert.rejects(
      copyReferrers(src, new MemoryRegistry('dst').repo('app'), [image.digest]),
      isCopyError({ code: 'REGISTRY_ERROR', op: 'resolve', origin: 'source', ref: `src/app:${cosignTag(image.digest, 'att')}` }),
    );

    const vanishing = new MemoryRegistry('src').repo('app');
    const subject = seedArtifact(vanishing, undefined, 'x', 'image').digest;
    const sig = seedCosign(vanishing, subject, 'sig', 'x/y');
    const resolve = vanishing.resolve.bind(vanishing);
    // the tag still names the signature, but the source no longer has it by digest
    vanishing.resolve = (ref, o) => (ref === sig ? Promise.resolve(undefined) : resolve(ref, o));
    await assert.rejects(copyReferrers(vanishing, new MemoryRegistry('dst').repo('app'), [subject]), (err: unknown) => {
      assert.ok(err instanceof CopyError, String(err));
      assert.equal(err.code, 'SOURCE_NOT_FOUND');
      return true;
    });

    const unreadable = new MemoryRegistry('src').repo('app');
    const listed = imageWithSbom(unreadable, 'image');
    const fetch = unreadable.fetchManifest.bind(unreadable);
    unreadable.fetchManifest = (ref) => (ref === listed.sbom.digest ? Promise.reject(httpFailure(500, ref)) : fetch(ref));
    await assert.rejects(copyReferrers(unreadable, new MemoryRegistry('dst').repo('app'), [listed.image.digest]), (err: unknown) => {
      assert.ok(err instanceof CopyError, String(err));
      assert.deepEqual([err.code, err.origin], ['REGISTRY_ERROR', 'source']);
      return true;
    });
  });

  it('orders referrers by subject, then how found, then tag, then digest; fallback indexes by subject', async () => {
    const src = new MemoryRegistry('src').repo('app');
    const one = imageWithSbom(src, 'one');
    const two = imageWithSbom(src, 'two');
    const [low, high] = [one, two].sort((a, b) => (a.image.digest < b.image.digest ? -1 : 1));
    const extra = seedArtifact(src, high!.image.digest, SIG, 'high-sig');
    const listed = [high!.sbom, extra].sort((a, b) => (a.digest < b.digest ? 1 : -1)); // descending on purpose
    seedIndex(src, high!.image.digest, listed);
    const sig = seedCosign(src, high!.image.digest, 'sig', 'x/y');
    // the .att's digest sorts after the .sig's: only the tag puts it first
    let att = seedCosign(src, high!.image.digest, 'att', 'x/y');
    for (let n = 0; att < sig; n++) att = seedCosign(src, high!.image.digest, 'att', `x/y${n}`);
    const r = await copyReferrers(src, new MemoryRegistry('dst').repo('app'), [high!.image.digest, low!.image.digest]);
    assert.deepEqual(
      r.referrers.map((x) => [x.subject, x.via, x.digest]),
      [
        [low!.image.digest, 'tag-fallback', low!.sbom.digest],
        [high!.image.digest, 'cosign-tag', att],
        [high!.image.digest, 'cosign-tag', sig],
        ...[...listed].reverse().map((d) => [high!.image.digest, 'tag-fallback', d.digest]),
      ],
    );
    assert.deepEqual(
      r.fallbackIndexes.map((f) => f.subject),
      [low!.image.digest, high!.image.digest],
    );
  });

  it('names the manifest when the subjects of an image cannot be read', async () => {
    const repo = new MemoryRegistry('r').repo('app');
    const missing = `sha256:${HEX}`;
    await assert.rejects(
      referrerSubjects(repo, missing),
      isCopyError({ code: 'REGISTRY_ERROR', op: 'fetch-manifest', origin: 'destination', ref: `r/app@${missing}`, digest: missing }),
    );
  });
});
