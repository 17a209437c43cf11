import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunReport } from '../../../lib/report/index.js';
import type { ObjectStore } from '../../../lib/store/index.js';
import { writeRunReport } from '../../../lib/usecases/index.js';
import { mixedReport, reportWith, result } from '../report/sample-report.js';

class MemoryStore implements ObjectStore {
  readonly files = new Map<string, { body: string; contentType: string }>();
  async put(key: string, body: string | Uint8Array, contentType: string): Promise<void> {
    this.files.set(key, { body: typeof body === 'string' ? body : new TextDecoder().decode(body), contentType });
  }
  async get(key: string): Promise<string | undefined> {
    return this.files.get(key)?.body;
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.files.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

describe('writeRunReport', () => {
  it('writes html, md, failed.yaml and report.json last', async () => {
    const store = new MemoryStore();
    const report = mixedReport();
    const keys = await writeRunReport(store, 'runs/r1/', report, '- a: b\n');
    assert.deepEqual(keys, ['runs/r1/report.html', 'runs/r1/report.md', 'runs/r1/failed.yaml', 'runs/r1/report.json']);
    assert.deepEqual(RunReport.parse(JSON.parse((await store.get('runs/r1/report.json'))!)), report);
    assert.equal(await store.get('runs/r1/failed.yaml'), '- a: b\n');
    assert.equal(store.files.get('runs/r1/report.html')?.contentType, 'text/html; charset=utf-8');
    assert.equal(store.files.get('runs/r1/report.json')?.contentType, 'application/json; charset=utf-8');
  });

  it('skips failed.yaml when nothing failed', async () => {
    const store = new MemoryStore();
    const report = reportWith([result('a', 'succeeded')]);
    assert.deepEqual(await writeRunReport(store, 'r', report, undefined), ['r/report.html', 'r/report.md', 'r/report.json']);
    assert.deepEqual(await writeRunReport(store, '', report, '[]\n'), ['report.html', 'report.md', 'report.json']);
  });

  it('refuses a report that does not match the schema', async () => {
    const bad = { ...mixedReport(), status: 'weird' } as unknown as RunReport;
    await assert.rejects(writeRunReport(new MemoryStore(), 'x', bad, undefined));
  });
});
