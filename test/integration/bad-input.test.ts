import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCountingProxy, type CountingProxy } from '../support/access-log.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'bad-input');

/** What each corpus file must be refused for. */
const EXPECTED: Record<string, RegExp> = {
  'rules-malformed.yaml': /not valid YAML/,
  'rules-wrong-types.yaml': /target must be a string/,
  'rules-unknown-key.yaml': /tgt/,
  'rules-invalid-reference.yaml': /invalid image reference/,
  'rules-empty.yaml': /empty/,
  'rules-binary.yaml': /binary/,
  'rules-duplicate-keys.yaml': /duplicated mapping key/,
  'rules-long-tag.yaml': /tag .* must match/,
  'rules-path-traversal.yaml': /"\.\."/,
  'rules-wrong-extension.txt': /expected a \.yaml, \.yml or \.json file/,
  'rules-truncated.json': /not valid YAML/,
  'security-missing-env.yaml': /IT_UNSET_PASSWORD_VAR is not set/,
  'security-unknown-key.yaml': /pasword/,
  'security-wrong-type.yaml': /insecure/,
  'security-missing-ca.yaml': /cannot read .*does-not-exist\.pem/,
  'security-not-a-map.yaml': /expected a map/,
  'rules-huge.yaml': /too large/,
};

describe('bad input is refused with exit 2 before any network request', () => {
  let registry: RunningRegistry;
  let proxy: CountingProxy;
  let dir: string;
  let goodRules: string;
  let goodSecurity: string;

  before(async () => {
    ensureBuilt();
    registry = await startRegistry({ mode: 'plain' });
    proxy = await startCountingProxy(registry.url);
    dir = mkdtempSync(join(tmpdir(), 'it-bad-'));
    goodRules = join(dir, 'rules.yaml');
    goodSecurity = join(dir, 'security.yaml');
    writeFileSync(goodRules, `${proxy.host}/a/b:v1: ${proxy.host}/c/d:v1\n`);
    writeFileSync(goodSecurity, `${proxy.host}:\n  insecure: true\n`);
    writeFileSync(join(dir, 'rules-huge.yaml'), `# ${'x'.repeat(11 * 1024 * 1024)}\n`);
  });
  after(async () => {
    await proxy?.stop();
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const files = [
    ...readdirSync(CORPUS)
      .filter((f) => f !== 'README.md')
      .map((f) => join(CORPUS, f)),
    'generated:rules-huge.yaml',
  ];
  it('has an expectation for every corpus file', () => {
    for (const f of files) assert.ok(EXPECTED[basename(f.replace('generated:', ''))], `no expectation for ${f}`);
  });

  for (const entry of files) {
    const name = basename(entry.replace('generated:', ''));
    it(name, async () => {
      const file = entry.startsWith('generated:') ? join(dir, name) : entry;
      const reports = join(dir, `reports-${name}`);
      const args = name.startsWith('security-')
        ? [`--securityFile=${file}`, `--ruleFile=${goodRules}`]
        : [`--securityFile=${goodSecurity}`, `--ruleFile=${file}`];
      const run = await runCli([...args, `--report-dir=${reports}`], { env: { DOCKER_CONFIG: '/nonexistent' } });
      assert.equal(run.code, 2, `${name}: exit ${run.code}\n${run.stderr}`);
      assert.ok(run.stderr.includes(name), `${name}: message names the file: ${run.stderr}`);
      assert.match(run.stderr, EXPECTED[name]!);
      assert.doesNotMatch(run.stderr, /\n\s+at |Error:/, 'no stack trace');
      assert.ok(!run.stderr.includes('hunter2-secret'), 'no secret value in the message');
      assert.ok(run.stderr.length < 4000, 'a short message');
      assert.equal(proxy.counts().total, 0, 'no network request');
      assert.equal(existsSync(reports), false, 'no partial writes');
    });
  }
});
