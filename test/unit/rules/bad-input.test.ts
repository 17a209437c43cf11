import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadRuleFile, MAX_CONFIG_BYTES } from '../../../lib/rules/index.js';
import { loadSecurityFile } from '../../../lib/credentials/index.js';

const CORPUS = join(import.meta.dirname, '..', '..', 'fixtures', 'bad-input');

/** The specific reason each corpus file must be refused for. */
const EXPECTED: Record<string, RegExp> = {
  'rules-binary.yaml': /: is a binary file/,
  'rules-duplicate-keys.yaml': /:2: not valid YAML: duplicated mapping key/,
  'rules-empty.yaml': /: the file is empty/,
  'rules-huge.yaml': /: file is too large \(\d+ bytes, at most 10485760\)/,
  'rules-invalid-reference.yaml':
    /:1: reg\.io\/a\/B@sha:1: source: invalid image reference .*\n.*:2: http:\/\/reg\.io\/a\/b: source: invalid image reference .*without a scheme/,
  'rules-long-tag.yaml': /:1: .*: tag "t+…" is 129 characters long; a tag must match/,
  'rules-malformed.yaml': /:1: not valid YAML: /,
  'rules-path-traversal.yaml': /:1: .*"\.\." are not allowed\n.*:2: .*target: .*"\.\." are not allowed/,
  'rules-truncated.json': /:1: not valid YAML: /,
  'rules-unknown-key.yaml': /:3: \[0\]\.tgt: unknown key \(expected source and target\)/,
  'rules-wrong-extension.txt': /: expected a \.yaml, \.yml or \.json file/,
  'rules-wrong-types.yaml': /:1: reg\.io\/a\/b:v1: target must be a string, got a number\n.*:2: reg\.io\/a\/c:v1: target must be a string, got a map/,
  'security-missing-ca.yaml': /:2: reg\.io\.caFile: cannot read .*does-not-exist\.pem/,
  'security-missing-env.yaml': /:3: reg\.io\.password: environment variable IT_UNSET_PASSWORD_VAR is not set/,
  'security-not-a-map.yaml': /: expected a map of "registry\[\/namespace\]/,
  'security-unknown-key.yaml': /:3: reg\.io\.pasword: unknown key/,
  'security-wrong-type.yaml': /:2: reg\.io\.insecure: Invalid input: expected boolean/,
};

const dir = mkdtempSync(join(tmpdir(), 'unit-bad-input-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function load(path: string): Promise<unknown> {
  const opts = { env: {}, dockerConfigPath: join(dir, 'none.json') };
  return basename(path).startsWith('security-') ? loadSecurityFile(path, opts) : loadRuleFile(path, { defaultRegistry: 'tcr.io' });
}

describe('bad-input corpus', () => {
  const corpus = readdirSync(CORPUS)
    .filter((f) => f !== 'README.md')
    .map((f) => join(CORPUS, f));
  const files = [...corpus, 'generated:rules-huge.yaml'];

  it('has a rules-* or security-* name and an expectation for every file', () => {
    for (const f of files) {
      const name = basename(f.replace('generated:', ''));
      assert.match(name, /^(rules|security)-/);
      assert.ok(EXPECTED[name], `no expectation for ${name}`);
    }
  });

  for (const entry of files) {
    const name = basename(entry.replace('generated:', ''));
    it(name, async () => {
      let path = entry;
      if (entry.startsWith('generated:')) {
        path = join(dir, name);
        writeFileSync(path, `# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
      }
      await assert.rejects(load(path), (err: unknown) => {
        assert.ok(err instanceof ConfigError, `${name}: ${String(err)}`);
        assert.ok(err.issues.every((i) => i.file === path && i.message.length > 0));
        for (const line of err.message.split('\n')) assert.ok(line.startsWith(`${path}:`), `every line names the file: ${line}`);
        assert.match(err.message, EXPECTED[name]!);
        assert.doesNotMatch(err.message, /\n\s+at |Error:|\[object /, 'no stack trace');
        assert.ok(!err.message.includes('hunter2-secret'), 'no secret value in the message');
        assert.ok(err.message.length < 2000, 'a short message');
        return true;
      });
    });
  }
});
