import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { RunReport } from '../../lib/report/index.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { AttachTypes, cosignTagOf, fallbackTag, pushArtifact, pushCosignSignature, pushFallbackIndex } from '../support/cosign.js';
import { getManifestRaw, listTags, pushImage, type PushedImage } from '../support/images.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const DAY = 86_400_000;

describe('version 2 rule files against real registries', () => {
  let src: RunningRegistry;
  let dst: RunningRegistry;
  let dir: string;
  const img: Record<string, PushedImage> = {};
  const env = { REG_PASSWORD: 'testpass', DOCKER_CONFIG: '/nonexistent' };
  const write = (name: string, body: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof body === 'string' ? body : yaml.dump(body));
    return path;
  };
  const security = () =>
    write('security.yaml', { [src.host]: { insecure: true }, [dst.host]: { username: 'testuser', password: '${REG_PASSWORD}', caFile: dst.ca } });
  const run = (rules: unknown, ...extra: string[]) =>
    runCli([`--securityFile=${security()}`, `--ruleFile=${write('rules.yaml', rules)}`, `--report-dir=${join(dir, 'reports')}`, '--progress=none', ...extra], {
      env,
    });
  const reportOf = (stdout: string): { report: RunReport; dir: string } => {
    const m = /report: (.+)\/report\.html/.exec(stdout);
    assert.ok(m, stdout);
    return { report: RunReport.parse(JSON.parse(readFileSync(join(m[1]!, 'report.json'), 'utf8'))), dir: m[1]! };
  };
  const tagsAt = async (repo: string) => (await listTags(dst, repo).catch(() => [])).sort();

  before(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'it-rules-v2-'));
    [src, dst] = await Promise.all([startRegistry({ mode: 'plain' }), startRegistry({ mode: 'htpasswd+tls' })]);
    const layer = (seed: string) => [
      { seed: 'base', size: 40_000 },
      { seed, size: 10_000 },
    ];
    const now = Date.now();
    const pushed = [
      ['team/svc-a', 'v1.0.0', 400],
      ['team/svc-a', 'v1.1.0', 300],
      ['team/svc-a', 'v1.2.0-rc.1', 5],
      ['team/svc-a', 'v2.0.0', 2],
      ['team/svc-a', 'latest', 1],
      ['team/svc-b', 'v0.9.0', 200],
      ['team/svc-b', 'v1.0.1', 10],
      ['team/tmp-c', 'v1.0.0', 1],
      ['other/x', 'v1.0.0', 1],
    ] as const;
    for (const [repo, tag, age] of pushed) {
      img[`${repo}:${tag}`] = await pushImage(src, repo, tag, {
        format: 'oci',
        layers: layer(`${repo}:${tag}`),
        created: new Date(now - age * DAY).toISOString(),
      });
    }
    img.multi = await pushImage(src, 'multi/app', 'v1', {
      format: 'oci',
      layers: layer('multi'),
      platforms: ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'],
    });
  });
  after(async () => {
    await Promise.all([src?.stop(), dst?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('selects repositories from the catalog and tags by semver, latest N and push time', async () => {
    const r = await run({
      version: 2,
      rules: [
        { source: `${src.host}/team`, repositories: { exclude: ['tmp-.*'] }, target: `${dst.host}/mirror`, tags: { semver: '>=1.0.0', latest: 2 } },
        { source: `${src.host}/team/svc-b`, target: `${dst.host}/recent/{{name}}`, tags: { pushedWithin: '30d' } },
      ],
    });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(await tagsAt('mirror/svc-a'), ['v1.1.0', 'v2.0.0'], 'the release candidate is not a release; latest 2 by version');
    assert.deepEqual(await tagsAt('mirror/svc-b'), ['v1.0.1']);
    assert.deepEqual(await tagsAt('mirror/tmp-c'), [], 'excluded repository');
    assert.deepEqual(await tagsAt('recent/svc-b'), ['v1.0.1'], 'only the image created within 30 days');
    assert.equal((await getManifestRaw(dst, 'mirror/svc-a', 'v2.0.0')).digest, img['team/svc-a:v2.0.0']!.digest);
  });

  it('copies a platform subset as a rewritten index, and re-runs as up to date', async () => {
    const rules = {
      version: 2,
      rules: [{ source: `${src.host}/multi/app`, target: `${dst.host}/slim/app`, tags: { list: ['v1'] }, platforms: ['linux/arm64'] }],
    };
    const first = await run(rules);
    assert.equal(first.code, 0, first.stderr);
    const m = await getManifestRaw(dst, 'slim/app', 'v1');
    const index = JSON.parse(m.bytes!.toString()) as { manifests: Array<{ digest: string; platform: { architecture: string } }> };
    assert.deepEqual(
      index.manifests.map((e) => e.platform.architecture),
      ['arm64'],
    );
    assert.equal(index.manifests[0]!.digest, img.multi!.children!.find((c) => c.platform === 'linux/arm64/v8')!.digest, 'the kept platform keeps its digest');
    assert.notEqual(m.digest, img.multi!.digest);
    const again = reportOf((await run(rules)).stdout).report;
    assert.equal(again.results[0]!.status, 'skipped');
    assert.equal(again.results[0]!.digest, m.digest);
  });

  it('backs up a tag before replacing it, and never overwrites with overwrite: never', async () => {
    const rule = (source: string, extra: Record<string, unknown> = {}) => ({
      version: 2,
      rules: [{ source: `${src.host}/${source}`, target: `${dst.host}/pinned/d`, tags: { list: ['v1.0.0'] }, ...extra }],
    });
    assert.equal((await run(rule('team/svc-a'))).code, 0);
    const old = (await getManifestRaw(dst, 'pinned/d', 'v1.0.0')).digest;
    assert.equal(old, img['team/svc-a:v1.0.0']!.digest);
    const never = await run(rule('team/tmp-c', { overwrite: 'never' }));
    assert.equal(reportOf(never.stdout).report.results[0]!.reason, 'tag-exists');
    assert.equal((await getManifestRaw(dst, 'pinned/d', 'v1.0.0')).digest, old);
    const replaced = await run(rule('other/x', { backup: '{{tag}}-prev' }));
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.equal((await getManifestRaw(dst, 'pinned/d', 'v1.0.0-prev')).digest, old);
    assert.equal((await getManifestRaw(dst, 'pinned/d', 'v1.0.0')).digest, img['other/x:v1.0.0']!.digest);
  });

  it('writes a version 2 failed.yaml that keeps the options, and a rule matching nothing fails the plan', async () => {
    const r = await run({
      version: 2,
      rules: [
        { source: `${src.host}/multi/app`, target: `${dst.host}/fail/app`, tags: { list: ['v1', 'gone'] }, platforms: ['linux/amd64'] },
        { source: `${src.host}/team/svc-a`, target: `${dst.host}/fail/none`, tags: { include: ['nothing-.*'] } },
      ],
    });
    assert.equal(r.code, 1);
    const { report, dir: reportDir } = reportOf(r.stdout);
    assert.equal(report.planFailures[0]?.error.code, 'NO_MATCHING_TAGS');
    const failed = yaml.load(readFileSync(join(reportDir, 'failed.yaml'), 'utf8')) as { version: number; rules: Array<Record<string, unknown>> };
    assert.equal(failed.version, 2);
    assert.deepEqual(failed.rules[0], {
      source: `${src.host}/multi/app`,
      target: `${dst.host}/fail/app`,
      platforms: ['linux/amd64'],
      overwrite: 'if-changed',
      tags: { list: ['gone'] },
    });
    assert.deepEqual(failed.rules[1], { source: `${src.host}/team/svc-a`, target: `${dst.host}/fail/none`, tags: { include: ['nothing-.*'] } });
  });

  it('rejects a bad version 2 file with exit 2, naming the line, before any request', async () => {
    const r = await run(`version: 2\nrules:\n  - source: ${src.host}/team/svc-a\n    target: ${dst.host}/x\n    tags:\n      latest: 0\n`);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /rules\.yaml:6: rules\[0\]\.tags\.latest/);
  });

  it('previews filters and options with --dry-run', async () => {
    const r = await run(
      {
        version: 2,
        rules: [
          {
            source: `${src.host}/team/svc-a`,
            target: `${dst.host}/preview/{{name}}`,
            tags: { include: ['v1\\..*'] },
            platforms: ['linux/amd64'],
            backup: 'bk-{{tag}}',
          },
        ],
      },
      '--dry-run',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /plan: 3 image\(s\)/);
    assert.match(r.stdout, /team\/svc-a:v1\.2\.0-rc\.1 -> .*preview\/svc-a:v1\.2\.0-rc\.1 \(platforms linux\/amd64; backup to :bk-v1\.2\.0-rc\.1\)/);
  });

  it('copies signatures and SBOMs with referrers: true, verified with --verify, and filters by artifact type', async () => {
    const image = await pushImage(src, 'signed/app', 'v1', { format: 'oci', layers: [{ seed: 'signed', size: 20_000 }] });
    const subject = { digest: image.digest, size: image.manifestBytes.length, mediaType: image.mediaType };
    const sig = await pushCosignSignature(src, 'signed/app', image.digest);
    const sbom = await pushArtifact(src, 'signed/app', subject, AttachTypes.spdx, Buffer.from('{"spdxVersion":"SPDX-2.3"}'));
    const index = await pushFallbackIndex(src, 'signed/app', image.digest, [sbom]);
    const all = await run(
      { version: 2, rules: [{ source: `${src.host}/signed/app`, target: `${dst.host}/signed/all`, tags: { list: ['v1'] }, referrers: true }] },
      '--verify',
    );
    assert.equal(all.code, 0, all.stderr + all.stdout);
    const result = reportOf(all.stdout).report.results[0]!;
    assert.equal(result.verification?.status, 'verified');
    assert.equal(result.referrers?.copied, 2);
    assert.equal((await getManifestRaw(dst, 'signed/all', cosignTagOf(image.digest, 'sig'))).digest, sig.digest);
    assert.equal((await getManifestRaw(dst, 'signed/all', sbom.digest)).digest, sbom.digest);
    assert.equal((await getManifestRaw(dst, 'signed/all', fallbackTag(image.digest))).digest, index.digest, 'the fallback index is copied byte for byte');
    const again = reportOf(
      (await run({ version: 2, rules: [{ source: `${src.host}/signed/app`, target: `${dst.host}/signed/all`, tags: { list: ['v1'] }, referrers: true }] }))
        .stdout,
    ).report.results[0]!;
    assert.equal(again.status, 'skipped');
    assert.equal(again.referrers?.present, 2);

    const onlySbom = await run({
      version: 2,
      rules: [
        { source: `${src.host}/signed/app`, target: `${dst.host}/signed/sbom`, tags: { list: ['v1'] }, referrers: { artifactTypes: [AttachTypes.spdx] } },
      ],
    });
    assert.equal(onlySbom.code, 0, onlySbom.stderr);
    assert.equal((await getManifestRaw(dst, 'signed/sbom', sbom.digest)).status, 200);
    assert.equal((await getManifestRaw(dst, 'signed/sbom', cosignTagOf(image.digest, 'sig'))).status, 404);
  });
});
