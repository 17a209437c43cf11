import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createLogger } from '../../../lib/util/logger.js';

describe('createLogger', () => {
  it('writes one line per message, with control characters escaped, to the sink and the log files', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', write: (l) => lines.push(l) });
    logger.error('tag v1\n2025-01-01 00:00:00.000\tinfo\tforged\r\u001b[2J\u009b31m');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /\terror\ttag v1\\n2025-01-01 00:00:00\.000\\tinfo\\tforged\\r\\x1b\[2J\\u009b31m$/);
    assert.equal(lines[0]!.split('\t').length, 3);
  });
});

describe('createLogger without files', () => {
  // Guards logger.ts `options.files ?? []`: a logger given no files writes to its sink only, no file anywhere.
  it('creates no file in the working directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logger-'));
    const before = process.cwd();
    process.chdir(dir);
    try {
      const lines: string[] = [];
      createLogger({ level: 'debug', write: (l) => lines.push(l) }).info('one line');
      assert.equal(lines.length, 1);
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      process.chdir(before);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
