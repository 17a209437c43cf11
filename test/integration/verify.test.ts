import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { RunReport } from '../../lib/report/index.js';
import { ensureBuilt, runCli, type CliRun } from '../support/cli.js';
import { headBlob, headManifest, pushImage, type PushedImage } from '../support/images.js';
import { RawHttp } from '../support/raw-http.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

describe('--verify against real registries', () => {
  let a: RunningRegistry;
  let s: RunningRegistry;
  let dir: string;
  let app: PushedImage;
  let multi: PushedImage;
  const env = { DOCKER_CONFIG: '/nonexistent' };

  const run = (...flags: string[]): Promise<CliRun> =>
    runCli([`--securityFile=${join(dir, 'security.yaml')}`, `--ruleFile=${join(dir, 'rule.yaml')}`, `--report-dir=${dir}/reports`, '--retry=0', ...flags], {
      env,
    });
  /** report.json, report.md and report.html of the run whose summary is in `stdout`. */
  const filesOf = (stdout: string): { report: RunReport; md: string; html: string; runDir: string } => {
    const m = stdout.match(/report: (.+)\/report\.html/);
    assert.ok(m, `report path printed: ${stdout}`);
    const runDir = m[1]!;
    const read = (name: string): string => readFileSync(join(runDir, name), 'utf8');
    return { report: RunReport.parse(JSON.parse(read('report.json'))), md: read('report.md'), html: read('report.html'), runDir };
  };
  const byImage = (report: RunReport) => Object.fromEntries(report.results.map((r) => [r.target.replace(`${s.host}/`, ''), r]));
  /** Distribution's API delete (storage.delete enabled): unlinks from the repository and clears its cache. */
  const remove = async (kind: 'blobs' | 'manifests', repo: string, digest: string): Promise<void> => {
    const res = await new RawHttp(s).send('DELETE', `/v2/${repo}/${kind}/${digest}`);
    assert.equal(res.status, 202, `DELETE ${kind} ${digest}: ${res.body.toString()}`);
  };

  before(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'it-verify-'));
    [a, s] = await Promise.all([startRegistry({ mode: 'plain' }), startRegistry({ mode: 'plain' })]);
    app = await pushImage(a, 'team/app', 'v1', {
      format: 'docker',
      layers: [
        { seed: 'verify-base', size: 60_000 },
        { seed: 'verify-app', size: 20_000 },
      ],
    });
    multi = await pushImage(a, 'team/multi', 'v1', {
      format: 'oci',
      layers: [{ seed: 'verify-multi', size: 30_000 }],
      platforms: ['linux/amd64', 'linux/arm64/v8'],
    });
    writeFileSync(join(dir, 'security.yaml'), yaml.dump({ [a.host]: { insecure: true }, [s.host]: { insecure: true } }));
    writeFileSync(
      join(dir, 'rule.yaml'),
      yaml.dump({ [`${a.host}/team/app:v1`]: `${s.host}/mirror/app:v1`, [`${a.host}/team/multi:v1`]: `${s.host}/mirror/multi:v1` }),
    );
  });
  after(async () => {
    await Promise.all([a?.stop(), s?.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('verifies a clean copy and shows it in report.json, report.md and report.html', async () => {
    const clean = await run('--verify');
    assert.equal(clean.code, 0, clean.stderr + clean.stdout);
    assert.match(clean.stdout, /succeeded 2, skipped 0, failed 0/);
    assert.match(clean.stdout, /^verified 2, mismatched 0$/m);
    const { report, md, html } = filesOf(clean.stdout);
    assert.deepEqual(report.totals.verification, { verified: 2, mismatched: 0 });
    const results = byImage(report);
    assert.deepEqual(results['mirror/app:v1']?.verification, { status: 'verified', mode: 'manifests', checked: 2, mismatches: [] });
    assert.deepEqual(results['mirror/multi:v1']?.verification, { status: 'verified', mode: 'manifests', checked: 4, mismatches: [] });
    assert.match(md, /\| Verified \| 2 \|/);
    assert.match(html, /data-count="verified">2</);
    assert.equal([...html.matchAll(/data-verification="verified"/g)].length, 2);

    const deep = await run('--verify=deep');
    assert.equal(deep.code, 0, deep.stderr + deep.stdout);
    assert.match(deep.stdout, /succeeded 0, skipped 2, failed 0/);
    const again = byImage(filesOf(deep.stdout).report);
    assert.deepEqual(again['mirror/app:v1']?.verification, { status: 'verified', mode: 'deep', checked: 2 + 3, mismatches: [] });
    assert.deepEqual(again['mirror/multi:v1']?.verification, { status: 'verified', mode: 'deep', checked: 2 + 2 + 4, mismatches: [] });

    const off = await run();
    assert.equal(off.code, 0, off.stderr);
    assert.doesNotMatch(off.stdout, /verified/);
    assert.equal(filesOf(off.stdout).report.totals.verification, undefined);
  });

  it('finds what went missing on the destination: a child manifest by manifests, a blob only by deep (VERIFY_MISMATCH, exit 1)', async () => {
    const child = multi.children![1]!.digest;
    const layer = app.blobs.at(-1)!;
    await remove('manifests', 'mirror/multi', child);
    await remove('blobs', 'mirror/app', layer);
    assert.equal((await headManifest(s, 'mirror/multi', child)).status, 404);
    assert.equal(await headBlob(s, 'mirror/app', layer), 404);
    assert.equal((await headManifest(s, 'mirror/app', 'v1')).digest, app.digest, 'the tag itself still names the image');

    const manifests = await run('--verify');
    assert.equal(manifests.code, 1, manifests.stderr + manifests.stdout);
    assert.match(
      manifests.stdout,
      new RegExp(`FAILED .*team/multi:v1 -> .*mirror/multi:v1: verification found 1 difference\\(s\\): manifest ${s.host}/mirror/multi@${child} is missing`),
    );
    assert.match(manifests.stdout, /^verified 1, mismatched 1$/m);

    const deep = await run('--verify=deep');
    assert.equal(deep.code, 1, deep.stderr + deep.stdout);
    assert.match(deep.stdout, new RegExp(`FAILED .*team/app:v1 -> .*mirror/app:v1: .*blob ${s.host}/mirror/app@${layer} is missing`));
    assert.match(deep.stdout, /^verified 0, mismatched 2$/m);
    assert.match(deep.stdout, /################# Finished, 2 transfer jobs failed, 0 jobs generate failed #################/);
    const { report, md, html, runDir } = filesOf(deep.stdout);
    const results = byImage(report);
    for (const r of Object.values(results)) {
      assert.equal(r.status, 'failed');
      assert.deepEqual([r.error?.code, r.error?.origin, r.reason], ['VERIFY_MISMATCH', 'destination', 'up-to-date']);
    }
    assert.deepEqual(results['mirror/app:v1']?.verification?.mismatches, [{ reference: `${s.host}/mirror/app@${layer}`, expected: layer, what: 'blob' }]);
    assert.deepEqual(results['mirror/multi:v1']?.verification?.mismatches, [
      { reference: `${s.host}/mirror/multi@${child}`, expected: child, what: 'manifest' },
    ]);
    assert.match(md, /## Verification mismatches \(2\)/);
    assert.match(html, /data-count="mismatched">2</);
    assert.equal([...html.matchAll(/<li data-mismatch="(blob|manifest)">/g)].length, 2);
    const failed = yaml.load(readFileSync(join(runDir, 'failed.yaml'), 'utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(failed).sort(), [`${a.host}/team/app:v1`, `${a.host}/team/multi:v1`]);
  });
});
