import assert from 'node:assert/strict';
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
