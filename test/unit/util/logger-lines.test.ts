import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createLogger, formatLogLine } from '../../../lib/util/logger.js';
import { registerSecret } from '../../../lib/util/redact.js';

const LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\t(debug|info|warn|error)\t/;

describe('logger', () => {
  it("formats the original tool's line: local time to the millisecond, a tab, the level, a tab, the message", () => {
    assert.equal(formatLogLine('warn', 'slow registry', new Date(2026, 0, 2, 3, 4, 5, 6)), '2026-01-02 03:04:05.006\twarn\tslow registry');
    assert.equal(formatLogLine('info', 'x', new Date(2026, 11, 31, 23, 59, 58, 999)), '2026-12-31 23:59:58.999\tinfo\tx');
  });

  it('writes the lines at or above its level, to the writer and to every file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'unit-logger-'));
    const files = [join(dir, 'a.log'), join(dir, 'b.log')];
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (l) => lines.push(l), files });
    log.debug('not shown');
    log.info('one');
    log.warn('two');
    log.error('three');
    assert.deepEqual(
      lines.map((l) => l.replace(LINE, '$1 ')),
      ['info one', 'warn two', 'error three'],
    );
    for (const file of files) assert.equal(readFileSync(file, 'utf8'), `${lines.join('\n')}\n`);
    const all: string[] = [];
    createLogger({ level: 'debug', write: (l) => all.push(l) }).debug('shown');
    assert.match(all[0]!, /\tdebug\tshown$/);
  });

  // invariant: secrets never reach a log line
  it('redacts registered secrets from every line', () => {
    registerSecret('hunter2-pass');
    const lines: string[] = [];
    createLogger({ level: 'info', write: (l) => lines.push(l) }).error('login with hunter2-pass failed');
    assert.match(lines[0]!, /\terror\tlogin with \*\*\* failed$/);
  });
});
