import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { ensureBuilt, runCli } from '../support/cli.js';
import { pushImage } from '../support/images.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

// The launcher (lib/cli/launch.ts) keeps V8's code cache of the bundle between starts.
describe('the CLI start-up code cache', () => {
  let reg: RunningRegistry;
  let dir: string;
  let cacheDir: string;
  let args: string[];

  const cacheFiles = () => readdirSync(cacheDir).filter((f) => /^code-.*\.bin$/.test(f));
  const run = (env: Record<string, string> = {}) => runCli(args, { env: { IMAGE_TRANSFER_CACHE_DIR: cacheDir, DOCKER_CONFIG: '/nonexistent', ...env } });

  before(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'it-code-cache-'));
    cacheDir = join(dir, 'cache');
    reg = await startRegistry({ mode: 'plain' });
    await pushImage(reg, 'src/app', 'v1', { format: 'oci', layers: [{ seed: 'code-cache', size: 20_000 }] });
    writeFileSync(join(dir, 'rules.yaml'), yaml.dump({ [`${reg.host}/src/app:v1`]: `${reg.host}/dst/app:v1` }));
    writeFileSync(join(dir, 'security.yaml'), yaml.dump({ [reg.host]: { insecure: true } }));
    args = [`--securityFile=${join(dir, 'security.yaml')}`, `--ruleFile=${join(dir, 'rules.yaml')}`, `--report-dir=${join(dir, 'reports')}`, '--progress=none'];
  });
  after(async () => {
    await reg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is not written by --version or a usage error, and is off with IMAGE_TRANSFER_CODE_CACHE=0', async () => {
    assert.equal((await runCli(['--version'], { env: { IMAGE_TRANSFER_CACHE_DIR: cacheDir } })).code, 0);
    assert.equal((await runCli(['--routines=zero'], { env: { IMAGE_TRANSFER_CACHE_DIR: cacheDir } })).code, 2);
    assert.equal((await run({ IMAGE_TRANSFER_CODE_CACHE: '0' })).code, 0);
    assert.throws(() => readdirSync(cacheDir), /ENOENT/);
  });

  it('is written by a run, accepted by the next (left as it is), ignored when others can write it, and rewritten when V8 rejects it', async () => {
    const first = await run();
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const [file] = cacheFiles();
    assert.ok(file, 'a cache file after a run');
    assert.match(file, new RegExp(`^code-${process.version.replace(/\./g, '\\.')}-${process.arch}-[0-9a-f]{8}-[0-9a-f]{12}\\.bin$`));
    const path = join(cacheDir, file);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const written = statSync(path);
    assert.ok(written.size > 100_000, `cache holds compiled code (${written.size} bytes)`);

    const second = await run();
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.equal(statSync(path).ino, written.ino, 'an accepted cache is not rewritten');

    chmodSync(path, 0o620);
    const shared = await run();
    assert.equal(shared.code, 0, shared.stdout + shared.stderr);
    assert.notEqual(statSync(path).ino, written.ino, 'a cache others can write is not used (and replaced)');
    assert.equal(statSync(path).mode & 0o777, 0o600);

    writeFileSync(path, Buffer.alloc(4096, 7));
    const garbage = statSync(path).ino;
    const third = await run();
    assert.equal(third.code, 0, third.stdout + third.stderr);
    assert.match(third.stdout, /skipped 1/);
    const rewritten = readFileSync(path);
    assert.ok(rewritten.length > 100_000, 'a rejected cache is replaced');
    assert.notEqual(statSync(path).ino, garbage, 'rewritten');
    assert.deepEqual(cacheFiles(), [file], 'no temporary files left behind');
  });

  it('refuses an IMAGE_TRANSFER_OPTIMISE_AFTER_MS that is not a whole number of ms, naming it (exit 2, nothing written)', async () => {
    rmSync(cacheDir, { recursive: true, force: true });
    const bad = await run({ IMAGE_TRANSFER_OPTIMISE_AFTER_MS: '10s' });
    assert.equal(bad.code, 2, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /IMAGE_TRANSFER_OPTIMISE_AFTER_MS must be a whole number of milliseconds .*got "10s"/);
    assert.throws(() => readdirSync(cacheDir), /ENOENT/);
  });

  it('is made under the start flags when the optimising compiler came on during the run, so the next start accepts it', async () => {
    rmSync(cacheDir, { recursive: true, force: true });
    const optimised = await run({ IMAGE_TRANSFER_OPTIMISE_AFTER_MS: '0' });
    assert.equal(optimised.code, 0, optimised.stdout + optimised.stderr);
    const [file] = cacheFiles();
    assert.ok(file, 'a cache file after a run');
    const written = statSync(join(cacheDir, file));
    const next = await run();
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.equal(statSync(join(cacheDir, file)).ino, written.ino, 'accepted, not rewritten');
  });
});
