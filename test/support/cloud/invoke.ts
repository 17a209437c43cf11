// Runs one SCF handler invocation in this process, as the platform would: `node --import tsx invoke.ts <function>`
// with the event as JSON on stdin and the function's environment in env; prints the handler's result.
const fn = process.argv[2];
if (!fn || !/^(planner|transfer|aggregator)$/.test(fn)) throw new Error(`usage: invoke.ts planner|transfer|aggregator < event.json`);
const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const { main_handler } = (await import(`../../../functions/${fn}/handler.ts`)) as { main_handler: (e: unknown, c: unknown) => Promise<unknown> };
const context = { request_id: `local-${process.pid}`, function_name: fn, namespace: 'default', time_limit_in_ms: Number(process.env.IT_TEST_TIME_LIMIT_MS ?? 900_000), memory_limit_in_mb: 512 };
const result = await main_handler(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'), context);
process.stdout.write(`${JSON.stringify(result)}\n`);
