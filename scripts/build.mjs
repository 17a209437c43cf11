// Builds dist/cli.cjs and the bundle it starts (run by `npm ci` through `prepare`, so a fresh clone has a bin) and one
// bundle per SCF function, dist/functions/<name>/index.js + <name>.zip, printing sizes and import times.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, createWriteStream, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { once } from 'node:events';

const FUNCTIONS = ['planner', 'transfer', 'aggregator'];
const BUDGET_BYTES = 1.5 * 1024 * 1024;
// SDK dependencies the functions never exercise, replaced to keep each bundle under budget (see the shims)
const SHIMS = Object.fromEntries(['whatwg-url', 'http-signature', 'psl', 'mime-db'].map((m) => [m, `./scripts/bundle-shims/${m}.cjs`]));
const common = { bundle: true, platform: 'node', target: 'node20', minify: true, logLevel: 'warning', legalComments: 'none' };

// the CLI: one CommonJS bundle, started by a small launcher that runs it through V8's code cache
// (lib/cli/launch.ts). The Tencent SDKs (COS for --report-bucket, TCR for --ccr-to-tcr) are bundles of
// their own beside it, required on first use: parsing them on every start cost ~11 MiB of peak RSS.
for (const stale of ['dist/chunks', 'dist/cli.mjs', 'dist/cli.mjs.map']) rmSync(stale, { recursive: true, force: true });
const CLI_SDKS = {
  'cos-nodejs-sdk-v5': 'sdk-cos.cjs',
  'tencentcloud-sdk-nodejs/tencentcloud/services/tcr/v20190924/tcr_client.js': 'sdk-tcr.cjs',
};
const sdkApart = {
  name: 'sdk-apart',
  setup(b) {
    b.onResolve({ filter: /^(cos-nodejs-sdk-v5|tencentcloud-sdk-nodejs\/.*)$/ }, (args) => {
      const file = CLI_SDKS[args.path];
      if (!file) throw new Error(`scripts/build.mjs: ${args.path} is not in CLI_SDKS`);
      return { path: `./${file}`, external: true };
    });
  },
};
await build({ ...common, entryPoints: ['lib/cli/bin.ts'], outfile: 'dist/image-transfer.cjs', format: 'cjs', sourcemap: 'linked', plugins: [sdkApart] });
for (const [pkg, file] of Object.entries(CLI_SDKS))
  await build({ ...common, stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});`, resolveDir: '.' }, outfile: `dist/${file}`, format: 'cjs' });
const bundleId = createHash('sha256').update(readFileSync('dist/image-transfer.cjs')).digest('hex').slice(0, 12);
await build({
  ...common,
  entryPoints: ['lib/cli/launch.ts'],
  outfile: 'dist/cli.cjs',
  format: 'cjs',
  define: { BUNDLE_ID: JSON.stringify(bundleId) },
  // a 1 MiB young generation, and one malloc arena (glibc; other C libraries ignore it): peak RSS of
  // 2,000 tiny images fell by ~8 MiB with no CPU cost measured (docs/benchmarks.md, Memory)
  banner: { js: '#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --max-semi-space-size=1' },
});
chmodSync('dist/cli.cjs', 0o755);

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
      const r = spawnSync(process.execPath, [
        '-e',
        `const t=process.hrtime.bigint();require('./${outfile}');process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`,
      ]);
      return Number(r.stdout.toString());
    });
    const size = statSync(outfile).size;
    rows.push({ name, size, zip: statSync(`dist/functions/${name}.zip`).size, importMs: Math.min(...times) });
    if (size > BUDGET_BYTES) throw new Error(`${outfile} is ${size} bytes, over the ${BUDGET_BYTES} budget`);
  }
  console.log('function   bundle      zip         import (cold, best of 3)');
  for (const r of rows)
    console.log(
      `${r.name.padEnd(10)} ${(r.size / 1024).toFixed(0).padStart(6)} KiB ${(r.zip / 1024).toFixed(0).padStart(6)} KiB ${r.importMs.toFixed(0).padStart(6)} ms`,
    );
}
