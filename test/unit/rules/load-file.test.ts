import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfigFile, MAX_CONFIG_BYTES, parseConfigBytes } from '../../../lib/rules/index.js';

const dir = mkdtempSync(join(tmpdir(), 'unit-load-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, content: string | Uint8Array): string => {
  writeFileSync(join(dir, name), content);
  return join(dir, name);
};
const parse = (text: string) => parseConfigBytes('f.yaml', Buffer.from(text));

async function refusal(path: string): Promise<ConfigError> {
  try {
    await loadConfigFile(path);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  return assert.fail(`${path} was accepted`);
}

describe('loadConfigFile', () => {
  const cases: Array<[string, () => string, RegExp]> = [
    ['a wrong extension', () => write('rules.txt', 'a: b\n'), /rules\.txt: expected a \.yaml, \.yml or \.json file$/],
    ['no extension', () => write('rules', 'a: b\n'), /expected a \.yaml, \.yml or \.json file/],
    ['a missing file', () => join(dir, 'missing.yaml'), /missing\.yaml: file not found$/],
    ['a directory', () => (mkdirSync(join(dir, 'd.yaml'), { recursive: true }), join(dir, 'd.yaml')), /d\.yaml: is a directory/],
    ['an empty file', () => write('empty.yaml', ''), /empty\.yaml: the file is empty$/],
    ['whitespace only', () => write('blank.yml', ' \n\t\n'), /blank\.yml: the file is empty$/],
    ['NUL bytes', () => write('nul.yaml', Buffer.from([0x61, 0x3a, 0x00, 0x62])), /nul\.yaml: is a binary file \(it contains NUL bytes\)/],
    ['invalid UTF-8', () => write('latin1.yaml', Buffer.from([0x61, 0x3a, 0x20, 0xe9, 0xff])), /latin1\.yaml: is a binary file \(it is not valid UTF-8\)/],
    ['a YAML syntax error', () => write('syntax.yaml', 'a: b\nc: [d\n'), /syntax\.yaml:2: not valid YAML: /],
    ['truncated JSON', () => write('t.json', '{"a": '), /t\.json:1: not valid YAML/],
    ['a duplicate key', () => write('dup.yaml', 'a: 1\nb: 2\na: 3\n'), /dup\.yaml:3: not valid YAML: duplicated mapping key$/],
    ['a file over 10 MiB', () => write('huge.yaml', `# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`), /huge\.yaml: file is too large \(\d+ bytes, at most 10485760\)/],
  ];
  for (const [name, make, expected] of cases) {
    it(`refuses ${name}`, async () => {
      const err = await refusal(make());
      assert.equal(err.code, 'CONFIG_INVALID');
      assert.equal(err.issues.length, 1);
      assert.match(err.message, expected);
      assert.doesNotMatch(err.message, /\n\s+at /);
    });
  }

  it('reads .yaml, .yml and .json (any case), and a comments-only file as null', async () => {
    assert.deepEqual((await loadConfigFile(write('a.yaml', 'a: b\n'))).value, { a: 'b' });
    assert.deepEqual((await loadConfigFile(write('a.YML', 'a: [1, true]\n'))).value, { a: [1, true] });
    assert.deepEqual((await loadConfigFile(write('a.json', '{\n\t"a": null\n}\n'))).value, { a: null });
    assert.equal((await loadConfigFile(write('c.yaml', '# only a comment\n'))).value, null);
  });

  it('keeps content out of YAML error messages (a password that looks like a tag or an alias)', () => {
    for (const text of ['reg.io:\n  password: !hunter2-secret\n', 'reg.io:\n  password: *hunter2-secret\n']) {
      assert.throws(
        () => parse(text),
        (err: unknown) => err instanceof ConfigError && !err.message.includes('hunter2') && /quote values/.test(err.message),
      );
    }
  });
});

describe('lineOf', () => {
  it('finds top-level keys exactly, not by prefix', () => {
    const { lineOf } = parse('reg.io/a/b:v1: x.io/a\n"reg.io/a/b": x.io/b\n\'q.io/c\': ~\n');
    assert.equal(lineOf('reg.io/a/b:v1'), 1);
    assert.equal(lineOf('reg.io/a/b'), 2);
    assert.equal(lineOf('q.io/c'), 3);
    assert.equal(lineOf('nowhere'), undefined);
  });

  it('finds list items by index, and keys inside an entry', () => {
    const { lineOf } = parse('# rules\n- source: a.io/x\n  target: b.io/x\n\n- source: a.io/x\n  target:\n    - c.io/x\n  tgt: oops\n');
    assert.equal(lineOf('[0]'), 2);
    assert.equal(lineOf('[1]'), 5);
    assert.equal(lineOf('[1]', 'tgt'), 8);
    assert.equal(lineOf('[1]', 'missing'), 5);
    assert.equal(lineOf('[2]'), undefined);
    assert.equal(lineOf('a.io/x'), 2);
  });

  it('finds nested keys under the right top-level key', () => {
    const { lineOf } = parse('a.io:\n  username: u\n  password: p\nb.io:\n  username: v\n  pasword: q\n');
    assert.equal(lineOf('b.io', 'username'), 5);
    assert.equal(lineOf('b.io', 'pasword'), 6);
    assert.equal(lineOf('a.io', 'pasword'), 1);
  });

  it('works for JSON and flow style', () => {
    const { lineOf } = parse('{\n  "a.io/x:1": "b.io/x",\n  "c.io/y": null\n}\n');
    assert.equal(lineOf('a.io/x:1'), 2);
    assert.equal(lineOf('c.io/y'), 3);
  });
});
