import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadSecurityFile } from '../../../lib/credentials/index.js';
import { ConfigError, loadRuleFile } from '../../../lib/rules/index.js';

// Findings 6 and 7 of the hostile-input review: every local file read is a regular file of bounded size
// (a FIFO used to hang the run, /dev/zero to grow it to gigabytes), YAML aliases cannot blow a small rule
// file up to millions of images, and ${VAR} has one form (a shell default is refused, $${ is a literal).

const dir = mkdtempSync(join(tmpdir(), 'unit-local-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const fifo = join(dir, 'a.fifo');
execFileSync('mkfifo', [fifo]);
const noDocker = join(dir, 'no-docker-config.json');

let n = 0;
const write = (text: string, ext = 'yaml'): string => {
  const path = join(dir, `f${(n += 1)}.${ext}`);
  writeFileSync(path, text);
  return path;
};

async function refused(load: () => Promise<unknown>): Promise<string> {
  try {
    await load();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError (exit 2), not ${String(err)}`);
    return err.message;
  }
  return assert.fail('accepted');
}

describe('local files are regular files of bounded size', () => {
  for (const [what, path] of [
    ['/dev/zero', '/dev/zero'],
    ['a FIFO with no writer', fifo],
    ['a directory', dir],
  ] as const) {
    it(`refuses ${what} as caFile at once, naming the key and the reason`, async () => {
      const started = Date.now();
      const message = await refused(() => loadSecurityFile(write(`reg.io:\n  caFile: ${path}\n`), { env: {}, dockerConfigPath: noDocker }));
      assert.match(message, /caFile: cannot read .* \(is (not a regular file|a directory, not a file)\)/);
      assert.ok(Date.now() - started < 5_000, 'without waiting on the file');
    });
  }

  it('refuses a FIFO as REGISTRY_AUTH_FILE at once', async () => {
    const message = await refused(() =>
      loadSecurityFile(write('reg.io:\n  insecure: true\n'), { env: { REGISTRY_AUTH_FILE: fifo }, dockerConfigPath: noDocker }),
    );
    assert.match(message, /REGISTRY_AUTH_FILE.*is not a regular file/);
  });

  it('ignores a docker config that is a FIFO (it is a fallback) instead of hanging', async () => {
    const store = await loadSecurityFile(write('reg.io:\n  insecure: true\n'), { env: {}, dockerConfigPath: fifo });
    assert.equal(store.lookup('other.io', 'x').username, undefined);
  });
});

describe('YAML aliases cannot expand a small rule file into a huge one', () => {
  it('refuses 40 rules sharing one 50,000-tag list (exit 2, the file named), and accepts the same list used once', async () => {
    const tags = Array.from({ length: 50_000 }, (_, i) => `t${i}`).join(', ');
    const rules = ['version: 2', 'rules:', `  - { source: reg.io/a0, target: tcr.io/a0, tags: { list: &tags [${tags}] } }`];
    for (let i = 1; i < 40; i++) rules.push(`  - { source: reg.io/a${i}, target: tcr.io/a${i}, tags: { list: *tags } }`);
    const file = write(`${rules.join('\n')}\n`);
    const message = await refused(() => loadRuleFile(file));
    assert.match(message, new RegExp(`${file}: the rules expand to more than 200,000 values`));
    assert.equal((await loadRuleFile(write(`${rules.slice(0, 3).join('\n')}\n`))).length, 1);
  });
});

describe('${VAR} in the security file', () => {
  const load = (password: string, env: Record<string, string>) =>
    loadSecurityFile(write(`reg.io:\n  username: u\n  password: "${password}"\n`), { env, dockerConfigPath: noDocker });

  it('refuses a shell default ${PW:-default} instead of taking it literally, without showing the default', async () => {
    const message = await refused(() => load('${PW:-s3cr3t-default}', { PW: 'x' }));
    assert.match(message, /password: only \$\{NAME\} is expanded \(write \$\{PW\}; defaults like \$\{PW:-\.\.\.\} are not supported\)/);
    assert.ok(!message.includes('s3cr3t-default'));
  });

  it('takes $${X} as the literal ${X} and expands ${X} next to it', async () => {
    const store = await load('$${X}-${X}', { X: 'value' });
    assert.equal(store.lookup('reg.io', 'r').password, '${X}-value');
  });
});
