// Runs the node:test suites through tsx. Usage: node scripts/test.mjs [unit|integration|<file>...]
// Node 20's --test takes no globs, so the files are collected here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(collect(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out.sort();
}

const args = process.argv.slice(2);
const suites = args.length === 0 ? ['unit', 'integration'] : args;
const files = suites.flatMap((s) => (s.endsWith('.ts') ? [s] : collect(join('test', s))));
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
