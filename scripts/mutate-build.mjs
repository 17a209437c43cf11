// Stryker's build step (stryker.config.mjs buildCommand), run once in each sandbox after the mutants are
// placed: every .ts file the unit tests load is transpiled to a .js file beside it, so each test file
// runs on plain `node` (about 0.3 s) instead of `node --import tsx` (about 0.8 s). Imports already name
// .js files (NodeNext), so the transpiled tree resolves as is. Each unit test file then becomes a link
// to its .js: node runs the link's target as ES module, and results keep the .ts names that the
// incremental file records. Never run in the working tree.
import { readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { transformSync } from 'esbuild';

if (!process.cwd().includes('.stryker-tmp')) {
  console.error('mutate-build: runs only in a Stryker sandbox (it writes .js beside every .ts)');
  process.exit(2);
}

const ROOTS = ['lib', 'test/unit', 'test/support', 'functions', 'serverless.ts'];

function collect(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return [];
  if (!stat.isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => collect(join(path, name)));
}

let count = 0;
for (const file of ROOTS.flatMap(collect)) {
  if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
  const { code } = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: file });
  const js = `${file.slice(0, -3)}.js`;
  writeFileSync(js, code);
  if (file.startsWith('test/unit/') && file.endsWith('.test.ts')) {
    rmSync(file);
    symlinkSync(basename(js), file);
  }
  count += 1;
}
console.log(`mutate-build: ${count} files transpiled`);
