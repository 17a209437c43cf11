import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CopyError } from '../../../lib/copy/index.js';
import { apiProbe, recordSubjects, targetIndexes, updateFallbackIndex } from '../../../lib/copy/referrers-target.js';
import { MediaType, referrersTag, sha256Digest, type CallOptions, type Descriptor, type RawManifest } from '../../../lib/oci/index.js';
import { RegistryError } from '../../../lib/registry/index.js';
import { spyCalls, type SpiedCall } from '../../support/copy-fixtures.js';
import { MemoryRegistry, MountingRepository } from '../../support/memory-registry.js';

const SUBJECT = `sha256:${'5'.repeat(64)}`;
const desc = (n: number): Descriptor => ({ mediaType: MediaType.ociManifest, digest: `sha256:${String(n).repeat(64)}`, size: n });
const indexBytes = (manifests: unknown, space?: number): RawManifest => ({
  bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }, null, space)),
  mediaType: MediaType.ociIndex,
});
const digestsOf = (m: RawManifest) => (JSON.parse(Buffer.from(m.bytes).toString()) as { manifests: Descriptor[] }).manifests.map((d) => d.digest);

/** A target with ECMAScript-private state (as class-based adapters may have) and the OCI-Subject answer. */
class PrivateTarget extends MountingRepository {
  readonly #answer: string | undefined;
  constructor(reg: MemoryRegistry, answer: string | undefined) {
    super(reg, 'app');
    this.#answer = answer;
  }
  answered(): string | undefined {
    return this.#answer;
  }
  async pushManifestWithSubject(reference: string, manifest: RawManifest, _o?: CallOptions): Promise<string | undefined> {
    await this.pushManifest(reference, manifest);
    return this.#answer;
  }
}

describe('referrers on the target', () => {
  it('records OCI-Subject answers and leaves the other methods working on a store with private state', async () => {
    const reg = new MemoryRegistry('dst');
    const answers = new Map<string, string>();
    const target = recordSubjects(new PrivateTarget(reg, SUBJECT), answers);
    await target.pushManifest('sha256:abc', indexBytes([]));
    assert.deepEqual([...answers], [['sha256:abc', SUBJECT]]);
    assert.equal((target as PrivateTarget).answered(), SUBJECT);
    assert.equal(reg.count('PUT manifest'), 1);
  });

  it('counts a subject as indexed only when every referrer pushed got it as OCI-Subject', async () => {
    const answers = new Map([
      ['sha256:a', SUBJECT],
      ['sha256:b', ''],
    ]);
    const never = () => Promise.reject(new Error('no probe when something was pushed'));
    assert.equal(await targetIndexes(['sha256:a', 'sha256:b'], answers, SUBJECT, never), false);
    assert.equal(await targetIndexes(['sha256:a'], answers, SUBJECT, never), true);
    assert.equal(await targetIndexes([], answers, SUBJECT, () => Promise.resolve(true)), true);
  });

  it('probes the referrers API once, with the signal; no API, undefined or an error all mean no', async () => {
    const signal = new AbortController().signal;
    const calls: SpiedCall[] = [];
    const lister = (answer: () => Promise<Descriptor[] | undefined>) =>
      spyCalls(Object.assign(new MemoryRegistry('dst').repo('app'), { referrers: (_d: string, _o?: CallOptions) => answer() }), calls);
    const yes = apiProbe(
      lister(async () => []),
      signal,
    );
    assert.equal(await yes(SUBJECT), true);
    assert.equal(await yes('sha256:other'), true);
    assert.deepEqual(calls, [{ method: 'referrers', signal }]);
    assert.equal(await apiProbe(lister(async () => undefined))(SUBJECT), false);
    assert.equal(await apiProbe(lister(() => Promise.reject(new Error('HTTP 500'))))(SUBJECT), false);
    assert.equal(await apiProbe(new MemoryRegistry('dst').repo('app'))(SUBJECT), false);
  });

  it("pushes the source's index bytes unchanged when the target has none and the entries are the same", async () => {
    const target = new MemoryRegistry('dst').repo('app');
    const source = indexBytes([desc(1), desc(2)], 3);
    const r = await updateFallbackIndex(target, SUBJECT, [desc(1), desc(2)], source, {});
    assert.deepEqual(r, { subject: SUBJECT, tag: referrersTag(SUBJECT), digest: sha256Digest(source.bytes), status: 'written' });
  });

  it('merges instead when the entries differ in number, order or shape, or the source index lists none', async () => {
    const cases: Array<[RawManifest, Descriptor[]]> = [
      [indexBytes([desc(1), desc(2)], 3), [desc(1)]],
      [indexBytes([desc(2), desc(1)], 3), [desc(1), desc(2)]],
      [indexBytes([desc(1), null], 3), [desc(1), desc(2)]],
      [{ bytes: Buffer.from('{"schemaVersion":2}'), mediaType: MediaType.ociIndex }, [desc(1)]],
    ];
    for (const [source, descriptors] of cases) {
      const target = new MemoryRegistry('dst').repo('app');
      const r = await updateFallbackIndex(target, SUBJECT, descriptors, source, {});
      const pushed = await target.fetchManifest(referrersTag(SUBJECT));
      assert.notEqual(r.digest, sha256Digest(source.bytes));
      assert.equal(r.digest, sha256Digest(pushed.bytes));
      assert.deepEqual(digestsOf(pushed), descriptors.map((d) => d.digest).sort());
    }
  });

  it('passes the signal to every request and names the tag when one fails', async () => {
    const reg = new MemoryRegistry('dst');
    reg.repo('app').seed(referrersTag(SUBJECT), indexBytes([desc(1)]));
    const calls: SpiedCall[] = [];
    const signal = new AbortController().signal;
    const r = await updateFallbackIndex(spyCalls(reg.repo('app'), calls), SUBJECT, [desc(2)], undefined, { signal });
    assert.equal(r.status, 'written');
    assert.deepEqual(calls, [
      { method: 'resolve', signal },
      { method: 'fetchManifest', signal },
      { method: 'pushManifest', signal },
    ]);
    const refusing = reg.repo('app');
    refusing.pushManifest = () =>
      Promise.reject(new RegistryError({ code: 'REGISTRY_HTTP', method: 'PUT', url: 'memory://app', status: 400, detail: 'tag invalid' }));
    await assert.rejects(updateFallbackIndex(refusing, SUBJECT, [desc(3)], undefined, {}), (err: unknown) => {
      assert.ok(err instanceof CopyError, String(err));
      assert.deepEqual([err.code, err.op, err.origin, err.ref], ['REGISTRY_ERROR', 'push-manifest', 'destination', `dst/app:${referrersTag(SUBJECT)}`]);
      return true;
    });
  });
});
