// A warm SCF instance of one function: the deployable bundle `dist/functions/<function>/index.js` is
// required once, then `main_handler(event, context)` is called for each event, one at a time, as SCF
// reuses an instance between invocations (module state, such as the planner's wiring, survives). Events
// come as JSON lines on stdin; each answer goes to stdout as one line after a NUL marker (the handler's
// own output may share stdout).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const fn = process.argv[2];
if (!fn || !/^(planner|transfer|aggregator)$/.test(fn)) throw new Error('usage: warm-instance.ts planner|transfer|aggregator');
const bundle = join(import.meta.dirname, '..', '..', '..', 'dist', 'functions', fn, 'index.js');
const { main_handler } = createRequire(import.meta.url)(bundle) as { main_handler: (e: unknown, c: unknown) => Promise<unknown> };
let n = 0;
for await (const line of createInterface({ input: process.stdin })) {
  n += 1;
  const context = { request_id: `warm-${process.pid}-${n}`, function_name: fn, namespace: 'default', time_limit_in_ms: 900_000, memory_limit_in_mb: 512 };
  let answer: unknown;
  try {
    answer = { ok: await main_handler(JSON.parse(line), context) };
  } catch (err) {
    answer = { error: String((err as Error)?.message ?? err) };
  }
  process.stdout.write(`\0${JSON.stringify(answer)}\n`);
}
