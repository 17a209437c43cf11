import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { imageCreated } from '../../../lib/copy/index.js';
import { MediaType, sha256Digest, type Descriptor } from '../../../lib/oci/index.js';
import { MAX_CONFIG_BYTES } from '../../../lib/util/limits.js';
import { seedIndexOf, spyCalls, type SpiedCall } from '../../support/copy-fixtures.js';
import { MemoryRegistry, type MemoryRepository } from '../../support/memory-registry.js';

const CONFIG = 'application/vnd.oci.image.config.v1+json';

/** An image whose config is `config` (declared with `declaredSize` when given); returns its digest. */
function seedConfigImage(repo: MemoryRepository, tag: string | undefined, config: Buffer, declaredSize = config.length): string {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: CONFIG, digest: sha256Digest(config), size: declaredSize },
      layers: [],
    }),
  );
  return repo.seed(tag, { bytes, mediaType: MediaType.ociManifest }, [config]);
}
const created = (when: string) => Buffer.from(JSON.stringify({ created: when, architecture: 'amd64', os: 'linux' }));

describe('imageCreated', () => {
  it('reads the created time of an image config, passing the signal to every request', async () => {
    const repo = new MemoryRegistry('r').repo('a');
    seedConfigImage(repo, 'v1', created('2023-05-06T07:08:09Z'));
    const calls: SpiedCall[] = [];
    const signal = new AbortController().signal;
    assert.deepEqual(await imageCreated(spyCalls(repo, calls), 'v1', signal), new Date('2023-05-06T07:08:09Z'));
    assert.deepEqual(
      calls.map((c) => [c.method, c.signal === signal]),
      [
        ['fetchManifest', true],
        ['fetchBlob', true],
      ],
    );
  });

  it('for an index, reads the first entry with a real platform (attestations and platformless entries skipped)', async () => {
    const reg = new MemoryRegistry('r');
    const repo = reg.repo('a');
    const att = seedConfigImage(repo, undefined, created('2001-01-01T00:00:00Z'));
    const bare = seedConfigImage(repo, undefined, created('2002-01-01T00:00:00Z'));
    const arm = seedConfigImage(repo, undefined, created('2003-01-01T00:00:00Z'));
    const amd = seedConfigImage(repo, undefined, created('2004-01-01T00:00:00Z'));
    seedIndexOf(repo, 'multi', [
      { digest: att, platform: 'unknown/unknown' },
      { digest: bare },
      { digest: arm, platform: 'linux/arm64' },
      { digest: amd, platform: 'linux/amd64' },
    ]);
    const calls: SpiedCall[] = [];
    const signal = new AbortController().signal;
    assert.deepEqual(await imageCreated(spyCalls(repo, calls), 'multi', signal), new Date('2003-01-01T00:00:00Z'));
    assert.ok(
      calls.every((c) => c.signal === signal),
      'every request carries the signal',
    );
    assert.equal(calls.length, 3);
    // nothing but attestations: the first entry
    seedIndexOf(repo, 'odd', [{ digest: bare }, { digest: att, platform: 'unknown/unknown' }]);
    assert.deepEqual(await imageCreated(repo, 'odd'), new Date('2002-01-01T00:00:00Z'));
    seedIndexOf(repo, 'empty', []);
    assert.equal(await imageCreated(repo, 'empty'), undefined);
  });

  it(`reads a config of up to ${MAX_CONFIG_BYTES} bytes and no more, declared or streamed`, async () => {
    const repo = new MemoryRegistry('r').repo('a');
    const json = created('2020-02-02T00:00:00Z');
    const atCap = Buffer.concat([json, Buffer.alloc(MAX_CONFIG_BYTES - json.length, ' ')]);
    seedConfigImage(repo, 'cap', atCap);
    assert.deepEqual(await imageCreated(repo, 'cap'), new Date('2020-02-02T00:00:00Z'));
    // declared too big: not even fetched
    seedConfigImage(repo, 'declared', json, MAX_CONFIG_BYTES + 1);
    const calls: SpiedCall[] = [];
    assert.equal(await imageCreated(spyCalls(repo, calls), 'declared'), undefined);
    assert.deepEqual(
      calls.map((c) => c.method),
      ['fetchManifest'],
    );
    // declared small, served big: the body is destroyed at the cap
    const lying = repo;
    const body = Readable.from([atCap, Buffer.from(' ')]);
    seedConfigImage(lying, 'lying', json);
    lying.fetchBlob = async (_d: Descriptor) => body;
    assert.equal(await imageCreated(lying, 'lying'), undefined);
    assert.equal(body.destroyed, true);
  });

  it('is undefined for a config without a valid created time, or not JSON, or a non-image', async () => {
    const repo = new MemoryRegistry('r').repo('a');
    seedConfigImage(repo, 'bad', created('not a date'));
    seedConfigImage(repo, 'none', Buffer.from('{"os":"linux"}'));
    seedConfigImage(repo, 'junk', Buffer.from('{not json'));
    for (const tag of ['bad', 'none', 'junk']) assert.equal(await imageCreated(repo, tag), undefined, tag);
    const inner = seedIndexOf(repo, undefined, []);
    seedIndexOf(repo, 'nested', [{ digest: inner, platform: 'linux/amd64' }]);
    assert.equal(await imageCreated(repo, 'nested'), undefined);
  });
});
