// Invokes a built function bundle as SCF does (plain node, require index.js, call main_handler), for
// measuring memory: `node bench/invoke-bundle.cjs transfer < event.json`.
const path = require('node:path');
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const { main_handler } = require(path.join(__dirname, '..', 'dist', 'functions', process.argv[2], 'index.js'));
  const result = await main_handler(JSON.parse(Buffer.concat(chunks).toString() || '{}'), { time_limit_in_ms: 900000, memory_limit_in_mb: 256 });
  process.stdout.write(`${JSON.stringify(result)}\n`);
});
