import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FsObjectStore, StoreError } from '../../../lib/store/index.js';

describe('FsObjectStore', () => {
  let root: string;
  let store: FsObjectStore;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'report-store-'));
    store = new FsObjectStore(join(root, 'reports'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('puts, gets, overwrites and lists by prefix', async () => {
    await store.put('runs/r1/report.json', '{"a":1}', 'application/json');
    await store.put('runs/r1/report.html', new TextEncoder().encode('<p>é</p>'), 'text/html');
    await store.put('runs/r2/report.json', 'old', 'application/json');
    await store.put('runs/r2/report.json', 'new', 'application/json');
    await store.put('other.txt', 'x', 'text/plain');
    assert.equal(await store.get('runs/r1/report.html'), '<p>é</p>');
    assert.equal(await store.get('runs/r2/report.json'), 'new');
    assert.equal(await store.get('runs/r3/report.json'), undefined);
    assert.equal(await store.get('runs/r1'), undefined, 'a folder is not a stored body');
    assert.equal(await store.get('other.txt/x'), undefined);
    assert.deepEqual(await store.list('runs/'), ['runs/r1/report.html', 'runs/r1/report.json', 'runs/r2/report.json']);
    assert.deepEqual(await store.list('runs/r1/report.j'), ['runs/r1/report.json']);
    assert.deepEqual(await store.list('runs/r'), ['runs/r1/report.html', 'runs/r1/report.json', 'runs/r2/report.json']);
    assert.deepEqual(await store.list(''), ['other.txt', 'runs/r1/report.html', 'runs/r1/report.json', 'runs/r2/report.json']);
    assert.deepEqual(await store.list('nothing/'), []);
    assert.deepEqual(await new FsObjectStore(join(root, 'absent')).list(''), []);
  });

  it('never lets a reader see a partial body under concurrent overwrites', async () => {
    const bodies = ['a', 'b', 'c', 'd'].map((c) => c.repeat(2 * 1024 * 1024));
    let stop = false;
    let reads = 0;
    const reader = (async () => {
      while (!stop) {
        const text = await store.get('race/report.html');
        if (text !== undefined) {
          reads += 1;
          assert.ok(bodies.includes(text), `read a partial body of ${text.length} bytes`);
        }
      }
    })();
    for (let round = 0; round < 5; round++) {
      await Promise.all(bodies.map((b) => store.put('race/report.html', b, 'text/html')));
    }
    stop = true;
    await reader;
    assert.ok(reads > 0);
    assert.deepEqual(await readdir(join(store.rootDir, 'race')), ['report.html'], 'no temporary file left behind');
  });

  it('removes its temporary file when the write fails', async () => {
    await store.put('clash/inner/file.json', '{}', 'application/json');
    await assert.rejects(store.put('clash/inner', 'x', 'text/plain'), (err: unknown) => err instanceof StoreError && err.code === 'REPORT_STORE_FAILED');
    assert.deepEqual(await readdir(join(store.rootDir, 'clash')), ['inner']);
  });

  it('does not list temporary files or follow symbolic links', async () => {
    await store.put('misc/a.json', '1', 'application/json');
    await writeFile(join(store.rootDir, 'misc', '.a.json.0123456789ab.tmp'), 'half');
    await symlink(root, join(store.rootDir, 'misc', 'loop'));
    assert.deepEqual(await store.list('misc/'), ['misc/a.json']);
  });

  const badKeys = [
    '',
    '/etc/passwd',
    '../escape.json',
    'runs/../../x',
    'runs/./x',
    'runs//x',
    'runs/x/',
    'a\\b',
    'C:/x',
    'a\u0000b',
    'runs/.x.json.0123456789ab.tmp',
  ];
  for (const key of badKeys) {
    it(`rejects the key ${JSON.stringify(key)}`, async () => {
      const invalid = (err: unknown): boolean => err instanceof StoreError && err.code === 'REPORT_INVALID_KEY';
      await assert.rejects(store.put(key, 'x', 'text/plain'), invalid);
      await assert.rejects(store.get(key), invalid);
    });
  }

  it('rejects list prefixes that climb out', async () => {
    for (const prefix of ['..', '../', '/', '/runs', 'runs/../', 'runs/./']) {
      await assert.rejects(store.list(prefix), (err: unknown) => err instanceof StoreError && err.code === 'REPORT_INVALID_KEY', prefix);
    }
  });
});
