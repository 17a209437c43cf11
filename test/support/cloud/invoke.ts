// Runs one SCF handler invocation in this process, as the platform would: the deployable bundle
// `dist/functions/<function>/index.js` is required and `main_handler(event, context)` called, with the
// event as JSON on stdin and the function's environment in env; the handler's result is printed.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const fn = process.argv[2];
if (!fn || !/^(planner|transfer|aggregator)$/.test(fn)) throw new Error('usage: invoke.ts planner|transfer|aggregator < event.json');
const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const bundle = join(import.meta.dirname, '..', '..', '..', 'dist', 'functions', fn, 'index.js');
const { main_handler } = createRequire(import.meta.url)(bundle) as { main_handler: (e: unknown, c: unknown) => Promise<unknown> };
const context = {
  request_id: `local-${process.pid}`,
  function_name: fn,
  namespace: 'default',
  time_limit_in_ms: Number(process.env.IT_TEST_TIME_LIMIT_MS ?? 900_000),
  memory_limit_in_mb: 512,
};
const result = await main_handler(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'), context);
process.stdout.write(`${JSON.stringify(result)}\n`);
