import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { RunReport } from '../../lib/report/index.js';
import { CLI, ensureBuilt, runCli } from '../support/cli.js';
import { getManifestRaw, pushImage, type PushedImage } from '../support/images.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const SECRET = 'testpass';
const WRONG = 'wrong-password-9f3k';

describe('image-transfer CLI against real registries', () => {
  let a: RunningRegistry;
  let s: RunningRegistry;
  let dir: string;
  const img: Record<string, PushedImage> = {};
  const env = { REG_PASSWORD: SECRET, DOCKER_CONFIG: '/nonexistent' };

  const write = (name: string, body: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof body === 'string' ? body : yaml.dump(body));
    return path;
  };
  const security = (extra: Record<string, unknown> = {}) =>
    write('security.yaml', {
      [a.host]: { insecure: true },
      [s.host]: { username: 'testuser', password: '${REG_PASSWORD}', caFile: s.ca },
      ...extra,
    });
  const reportOf = (stdout: string): RunReport => {
    const m = stdout.match(/report: (.+)\/report\.html/);
    assert.ok(m, `report path printed: ${stdout}`);
    return RunReport.parse(JSON.parse(readFileSync(join(m[1]!, 'report.json'), 'utf8')));
  };
  const expectAt = async (repo: string, tag: string, image: PushedImage) =>
    assert.equal((await getManifestRaw(s, repo, tag)).digest, image.digest, `${repo}:${tag}`);

  before(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'it-cli-'));
    [a, s] = await Promise.all([startRegistry({ mode: 'plain' }), startRegistry({ mode: 'htpasswd+tls' })]);
    for (const tag of ['v1', 'v2', 'v3'])
      img[`app:${tag}`] = await pushImage(a, 'team/app', tag, {
        format: 'oci',
        layers: [
          { seed: 'app-base', size: 200_000 },
          { seed: `app-${tag}`, size: 50_000 },
        ],
      });
    img.multi = await pushImage(a, 'team/multi', 'v1', {
      format: 'oci',
      layers: [{ seed: 'multi', size: 100_000 }],
      platforms: ['linux/amd64', 'linux/arm64/v8'],
    });
    img.busybox = await pushImage(a, 'library/busybox', '1.0', { format: 'docker', layers: [{ seed: 'busybox', size: 80_000 }] });
  });
  after(async () => {
    await Promise.all([a?.stop(), s?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies every rule form: whole repository, tag list, rename of a multi-arch image, digest, default target', async () => {
    const rules = write('rule.yaml', {
      [`${a.host}/team/app`]: `${s.host}/mirror/app`,
      [`${a.host}/team/app:v1,v2`]: `${s.host}/list/app`,
      [`${a.host}/team/multi:v1`]: `${s.host}/mirror/multi:stable`,
      [`${a.host}/team/app@${img['app:v3']!.digest}`]: `${s.host}/bydigest/app:pinned`,
      [`${a.host}/library/busybox:1.0`]: '',
    });
    const run = await runCli([`--securityFile=${security()}`, `--ruleFile=${rules}`, `--registry=${s.host}`, '--ns=defaults', `--report-dir=${dir}/reports`], {
      env,
    });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    for (const tag of ['v1', 'v2', 'v3']) await expectAt('mirror/app', tag, img[`app:${tag}`]!);
    for (const tag of ['v1', 'v2']) await expectAt('list/app', tag, img[`app:${tag}`]!);
    assert.equal((await getManifestRaw(s, 'list/app', 'v3')).status, 404);
    await expectAt('mirror/multi', 'stable', img.multi!);
    await expectAt('bydigest/app', 'pinned', img['app:v3']!);
    await expectAt('defaults/busybox', '1.0', img.busybox!);
    assert.match(run.stdout, /succeeded 8, skipped 0, failed 0/);
    assert.match(run.stdout, /################# Finished, 0 transfer jobs failed, 0 jobs generate failed #################/);
    const report = reportOf(run.stdout);
    assert.equal(report.totals.succeeded, 8);
    assert.ok(report.results.some((r) => r.platforms?.includes('linux/arm64/v8')));

    const again = await runCli(
      [`--securityFile=${security()}`, `--ruleFile=${rules}`, `--registry=${s.host}`, '--ns=defaults', `--report-dir=${dir}/reports`],
      { env },
    );
    assert.equal(again.code, 0);
    assert.match(again.stdout, /succeeded 0, skipped 8, failed 0/);
    assert.equal(reportOf(again.stdout).totals.bytes.copied, 0);
  });

  it('sends one source to several targets with the list form, and prints JSON with --output json', async () => {
    const rules = write('rule-list.yaml', [{ source: `${a.host}/team/app:v1`, target: [`${s.host}/one/app`, `${s.host}/two/app:renamed`] }]);
    const run = await runCli([`--securityFile=${security()}`, `--ruleFile=${rules}`, '--output=json', `--report-dir=${dir}/reports`], { env });
    assert.equal(run.code, 0, run.stderr);
    const report = RunReport.parse(JSON.parse(run.stdout));
    assert.equal(report.totals.succeeded, 2);
    await expectAt('one/app', 'v1', img['app:v1']!);
    await expectAt('two/app', 'renamed', img['app:v1']!);
  });

  it('previews with --dry-run and copies nothing', async () => {
    const rules = write('rule-dry.yaml', { [`${a.host}/team/app`]: `${s.host}/dry/app` });
    const run = await runCli([`--securityFile=${security()}`, `--ruleFile=${rules}`, '--dry-run'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /plan: 3 image\(s\)/);
    assert.equal((await getManifestRaw(s, 'dry/app', 'v1')).status, 404);
  });

  it('fails loudly (exit 1, summary, failed.yaml), never leaks the password, and a re-run of failed.yaml fixes it', async () => {
    const rules = write('rule-fail.yaml', {
      [`${a.host}/team/nope:v1`]: `${s.host}/mirror/nope:v1`,
      [`${a.host}/team/app:v1`]: `${s.host}/locked/app:v1`,
      [`${a.host}/team/app:v2`]: `${s.host}/fine/app:v2`,
    });
    const broken = security({ [`${s.host}/locked`]: { username: 'testuser', password: WRONG } });
    const run = await runCli([`--securityFile=${broken}`, `--ruleFile=${rules}`, `--report-dir=${dir}/reports`, '--log-level=debug'], { env });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /FAILED .*team\/nope:v1 -> .*mirror\/nope:v1: .*not found/);
    // the wrong password is found by the registry check before any copy: the rule is a plan failure
    assert.match(run.stdout, /PLAN FAILED .*team\/app:v1 -> .*locked\/app:v1: .*401/);
    assert.match(run.stdout, /################# Finished, 1 transfer jobs failed, 1 jobs generate failed #################/);
    const report = reportOf(run.stdout);
    const runDir = join(dir, 'reports', report.runId);
    const failed = yaml.load(readFileSync(join(runDir, 'failed.yaml'), 'utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(failed).sort(), [`${a.host}/team/app:v1`, `${a.host}/team/nope:v1`]);
    for (const file of readdirSync(runDir)) {
      const text = readFileSync(join(runDir, file), 'utf8');
      for (const secret of [SECRET, WRONG]) assert.ok(!text.includes(secret), `${file} leaks a password`);
    }
    for (const secret of [SECRET, WRONG]) assert.ok(!(run.stdout + run.stderr).includes(secret), 'output leaks a password');

    const json = await runCli([`--securityFile=${broken}`, `--ruleFile=${rules}`, `--report-dir=${dir}/reports`, '--output=json'], { env });
    assert.equal(json.code, 1);
    const totals = RunReport.parse(JSON.parse(json.stdout)).totals;
    assert.deepEqual([totals.failed, totals.planFailed], [1, 1]);
    for (const secret of [SECRET, WRONG]) assert.ok(!(json.stdout + json.stderr).includes(secret), '--output json leaks a password');

    await pushImage(a, 'team/nope', 'v1', { format: 'oci', layers: [{ seed: 'nope', size: 10_000 }] });
    const rerun = await runCli([`--securityFile=${security()}`, `--ruleFile=${join(runDir, 'failed.yaml')}`, `--report-dir=${dir}/reports`], { env });
    assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
    assert.match(rerun.stdout, /succeeded 2, skipped 0, failed 0/);
    await expectAt('locked/app', 'v1', img['app:v1']!);
  });

  it('runs under the name npm links it by (node_modules/.bin/image-transfer), with --help and --version', () => {
    const link = join(dir, 'image-transfer');
    symlinkSync(CLI, link);
    const help = spawnSync(link, ['--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--securityFile <path>[\s\S]*Exit status: 0/);
    assert.match(spawnSync(link, ['--version'], { encoding: 'utf8' }).stdout, /^\d+\.\d+\.\d+/);
  });

  it('refuses bad input with exit 2, the file and the reason, no stack trace and no network access', async () => {
    const rules = write('rule-bad.yaml', `${a.host}/Team/App:v1: ${s.host}/x/y:v1\n${a.host}/team/app: ${s.host}/x/y:tagged\n`);
    const run = await runCli([`--securityFile=${security()}`, `--ruleFile=${rules}`], { env });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /rule-bad\.yaml:1: .*lowercase/);
    assert.match(run.stderr, /rule-bad\.yaml:2: .*all tags\) cannot map to a target with a tag/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    const usage = await runCli(['--routines=zero', `--ruleFile=${rules}`]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--routines expects a whole number/);
  });
});
