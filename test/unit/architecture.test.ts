import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';

// The house rules of docs/code-layout.md, checked on the imports themselves: modules of lib/ import only
// modules of lower floors (so no cycle and no upward import), other modules only through their entry
// points, and nothing in lib/ imports functions/.

const ROOT = join(import.meta.dirname, '..', '..');

/** Floors, lowest first: a module may import modules of lower floors only. */
export const FLOORS: readonly (readonly string[])[] = [
  ['util'],
  ['oci', 'http', 'report'],
  ['rules'],
  ['credentials', 'registry', 'tencent', 'planner', 'copy'],
  ['store', 'inventory', 'queue', 'deploy'],
  ['usecases'],
  ['cli'],
];

/**
 * How another module may be imported: its index, or a declared second entry point (one that loads a
 * heavy SDK, so that the processes that do not need it never load it). lib/util has no index: each of
 * its files stands alone.
 */
const ENTRIES: Record<string, readonly string[]> = { store: ['cos.ts'], tencent: ['sdk.ts', 'clients.ts'] };

const floorOf = new Map(FLOORS.flatMap((names, floor) => names.map((name) => [name, floor] as const)));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

interface Import {
  readonly from: string;
  readonly to: string;
  readonly line: number;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2]!;
    const line = text.slice(0, m.index).split('\n').length + (m[0].startsWith('\n') ? 1 : 0);
    found.push({ from: relative(ROOT, file), to: normalize(join(relative(ROOT, dirname(file)), spec)).replace(/\.js$/, '.ts'), line });
  }
  return found;
}

const libModule = (path: string): string | undefined => (path.startsWith('lib/') ? path.split('/')[1] : undefined);

const all = [...sources(join(ROOT, 'lib')), ...sources(join(ROOT, 'functions'))].flatMap(importsOf);

describe('architecture: the imports of lib/ and functions/', () => {
  it('puts every module of lib/ on a floor', () => {
    const modules = readdirSync(join(ROOT, 'lib')).filter((name) => statSync(join(ROOT, 'lib', name)).isDirectory());
    assert.deepEqual(
      modules.filter((m) => !floorOf.has(m)),
      [],
      'modules without a floor: add them to FLOORS and docs/code-layout.md',
    );
  });

  it('imports only modules of lower floors (no cycle, no upward import)', () => {
    const wrong = all.filter((i) => {
      const [a, b] = [libModule(i.from), libModule(i.to)];
      return a && b && a !== b && floorOf.get(b)! >= floorOf.get(a)!;
    });
    assert.deepEqual(
      wrong.map((i) => `${i.from}:${i.line} imports ${i.to}`),
      [],
    );
  });

  it('imports another module only through its index or a declared entry point', () => {
    const wrong = all.filter((i) => {
      const target = libModule(i.to);
      if (!target || target === libModule(i.from) || target === 'util') return false;
      const file = i.to.split('/').slice(2).join('/');
      return file !== 'index.ts' && !(ENTRIES[target] ?? []).includes(file);
    });
    assert.deepEqual(
      wrong.map((i) => `${i.from}:${i.line} imports ${i.to}`),
      [],
    );
  });

  it('never imports functions/ from lib/', () => {
    assert.deepEqual(
      all.filter((i) => libModule(i.from) && i.to.startsWith('functions/')).map((i) => `${i.from}:${i.line}`),
      [],
    );
  });

  it('opens every index of lib/ with what the module is for and what it may import', () => {
    const silent = readdirSync(join(ROOT, 'lib'))
      .map((name) => join(ROOT, 'lib', name, 'index.ts'))
      .filter((path) => {
        try {
          return !/^\/\*\*[\s\S]*?May import[\s\S]*?\*\//.test(readFileSync(path, 'utf8'));
        } catch {
          return false;
        }
      });
    assert.deepEqual(
      silent.map((p) => relative(ROOT, p)),
      [],
    );
  });
});
