import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAggregatorEvent } from '../../functions/aggregator/event.js';
import { parsePlannerEvent } from '../../functions/planner/event.js';
import { parseTransferEvent } from '../../functions/transfer/event.js';

const EVENTS = join(import.meta.dirname, '..', '..', 'events');
const parsers: Record<string, (e: unknown) => unknown> = { planner: parsePlannerEvent, transfer: parseTransferEvent, aggregator: parseAggregatorEvent };

describe('sample trigger events', () => {
  for (const fn of readdirSync(EVENTS)) {
    for (const file of readdirSync(join(EVENTS, fn))) {
      it(`${fn}/${file} is ${file.includes('-invalid') ? 'refused' : 'accepted'} by the ${fn} schema`, () => {
        const event = JSON.parse(readFileSync(join(EVENTS, fn, file), 'utf8'));
        const parse = parsers[fn]!;
        if (file.includes('-invalid'))
          assert.throws(
            () => parse(event),
            (err: Error) => err.name === 'ZodError' && err.message.length > 0,
          );
        else assert.doesNotThrow(() => parse(event));
      });
    }
  }
  it('has a valid and an invalid sample for every function', () => {
    for (const fn of Object.keys(parsers)) {
      const files = readdirSync(join(EVENTS, fn));
      assert.ok(files.some((f) => f.includes('-invalid')) && files.some((f) => !f.includes('-invalid')), fn);
    }
  });
});
