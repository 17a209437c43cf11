// Builds dist/cli.mjs (run by `npm ci` through `prepare`, so a fresh clone has a working bin) and one
// bundle per SCF function, dist/functions/<name>/index.js + <name>.zip, printing sizes and import times.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, createWriteStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';

const FUNCTIONS = ['planner', 'transfer', 'aggregator'];
const BUDGET_BYTES = 1.5 * 1024 * 1024;
// SDK dependencies the functions never exercise, replaced to keep each bundle under budget (see the shims)
const SHIMS = Object.fromEntries(['whatwg-url', 'http-signature', 'psl', 'mime-db'].map((m) => [m, `./scripts/bundle-shims/${m}.cjs`]));
const common = { bundle: true, platform: 'node', target: 'node20', minify: true, logLevel: 'warning', legalComments: 'none' };

// split: the Tencent SDKs (CCR mode, reports in COS) load only when a command needs them
await build({
  ...common,
  entryPoints: { cli: 'lib/cli/bin.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  format: 'esm',
  sourcemap: 'linked',
  banner: {
    js: "#!/usr/bin/env -S node --liftoff-only --max-semi-space-size=1\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
});
chmodSync('dist/cli.mjs', 0o755);

if (process.argv.includes('--functions') || process.env.npm_lifecycle_event === 'build') {
  const { default: yazl } = await import('yazl');
  const rows = [];
  for (const name of FUNCTIONS) {
    const outfile = `dist/functions/${name}/index.js`;
    mkdirSync(`dist/functions/${name}`, { recursive: true });
    // CommonJS: SCF's Node runtime loads index.js with require() and calls exports.main_handler
    await build({ ...common, entryPoints: [`functions/${name}/handler.ts`], outfile, format: 'cjs', alias: SHIMS });
    // the repository is an ES module package; the bundle is CommonJS, and says so beside itself
    const commonjs = Buffer.from('{ "type": "commonjs" }\n');
    writeFileSync(`dist/functions/${name}/package.json`, commonjs);
    const zip = new yazl.ZipFile();
    zip.addBuffer(readFileSync(outfile), 'index.js', { mtime: new Date(0), mode: 0o644 });
    zip.addBuffer(commonjs, 'package.json', { mtime: new Date(0), mode: 0o644 });
    zip.end();
    const out = createWriteStream(`dist/functions/${name}.zip`);
    zip.outputStream.pipe(out);
    await once(out, 'close');
    const times = [1, 2, 3].map(() => {
      const r = spawnSync(process.execPath, ['-e', `const t=process.hrtime.bigint();require('./${outfile}');process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`]);
      return Number(r.stdout.toString());
    });
    const size = statSync(outfile).size;
    rows.push({ name, size, zip: statSync(`dist/functions/${name}.zip`).size, importMs: Math.min(...times) });
    if (size > BUDGET_BYTES) throw new Error(`${outfile} is ${size} bytes, over the ${BUDGET_BYTES} budget`);
  }
  console.log('function   bundle      zip         import (cold, best of 3)');
  for (const r of rows) console.log(`${r.name.padEnd(10)} ${(r.size / 1024).toFixed(0).padStart(6)} KiB ${(r.zip / 1024).toFixed(0).padStart(6)} KiB ${r.importMs.toFixed(0).padStart(6)} ms`);
}
