import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { CosPullLedger } from '../../lib/store/cos.js';
import { staticCredential } from '../../lib/tencent/cloud-credential.js';
import { PullBudgetPolicy } from '../../lib/store/index.js';
import { SharedPullBudget } from '../../lib/usecases/index.js';
import type { PlanEstimate } from '../../lib/usecases/index.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { callFunction } from '../support/cloud/functions.js';
import { startCloudFake, type CloudFake } from '../support/cloud/server.js';
import { getManifestRaw, pushImage, type PushedImage } from '../support/images.js';
import { startRateLimitProxy, type RateLimitProxy } from '../support/ratelimit-proxy.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const KEY = { secretId: 'AKIDquota000000000001', secretKey: 'quota-secret-key-0001' };

describe('registry quotas: RateLimit headers, dry-run estimate, shared budget', () => {
  let a: RunningRegistry;
  let s: RunningRegistry;
  let dir: string;
  const images: PushedImage[] = [];
  let _multi: PushedImage;
  const proxies: RateLimitProxy[] = [];

  const write = (name: string, body: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, yaml.dump(body));
    return path;
  };
  const proxy = async (limit: number, style: 'docker' | 'ietf' = 'docker') => {
    const p = await startRateLimitProxy({ target: a.url, limit, windowSeconds: 21600, style });
    proxies.push(p);
    return p;
  };
  const security = (p: RateLimitProxy) => write(`security-${p.host.replace(':', '-')}.yaml`, { [p.host]: { insecure: true }, [s.host]: { insecure: true } });
  const rulesFor = (p: RateLimitProxy, names: string[], ns: string) =>
    write(`rules-${ns}.yaml`, Object.fromEntries(names.map((n) => [`${p.host}/src/${n}:v1`, `${s.host}/${ns}/${n}:v1`])));

  before(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'it-quota-'));
    [a, s] = await Promise.all([startRegistry({ mode: 'plain' }), startRegistry({ mode: 'plain' })]);
    for (let i = 0; i < 12; i++)
      images.push(
        await pushImage(a, `src/img${i}`, 'v1', {
          format: i % 2 ? 'docker' : 'oci',
          layers: [
            { seed: 'quota-base', size: 300_000 },
            { seed: `quota-${i}`, size: 50_000 + i },
          ],
        }),
      );
    _multi = await pushImage(a, 'src/multi', 'v1', {
      format: 'oci',
      layers: [{ seed: 'quota-multi', size: 70_000 }],
      platforms: ['linux/amd64', 'linux/arm64/v8'],
    });
  });
  after(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all([a?.stop(), s?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('paces below the reserve instead of earning a 429, fails the rest with a clear QUOTA_EXHAUSTED, and a re-run in a new window resumes', {
    timeout: 120_000,
  }, async () => {
    const p = await proxy(10);
    const names = images.map((_, i) => `img${i}`);
    const args = [
      `--securityFile=${security(p)}`,
      `--ruleFile=${rulesFor(p, names, 'paced')}`,
      `--report-dir=${dir}/reports`,
      '--pull-reserve=2',
      '--pull-max-wait=1',
    ];
    const first = await runCli(args);
    assert.equal(first.code, 1, first.stderr.slice(-2000));
    assert.equal(p.refused(), 0, 'never a 429');
    assert.equal(p.pulls(), 8, '10 pulls minus the reserve of 2');
    assert.match(first.stdout, /succeeded 8, skipped 0, failed 4/);
    const quotaLines = first.stderr.split('\n').filter((l) => /FAILED|error/.test(l) && /QUOTA_EXHAUSTED/.test(l));
    assert.ok(quotaLines.length >= 4, first.stderr.slice(-3000));
    assert.match(
      quotaLines[0]!,
      new RegExp(
        `pull quota of ${p.host.replace(/\./g, '\\.')} is used up \\(\\d+ of 10 pulls left per 21600 s window, 2 kept in reserve\\); the next pull can be allowed at \\d{4}-`,
      ),
    );

    p.resetWindow();
    const again = await runCli(args);
    assert.equal(again.code, 0, again.stderr.slice(-2000));
    assert.match(again.stdout, /succeeded 4, skipped 8, failed 0/);
    assert.equal(p.pulls(), 12, 'the re-run pulled only the 4 missing images (up-to-date ones cost a HEAD)');
    assert.equal(p.refused(), 0);
    for (const [i, img] of images.entries()) assert.equal((await getManifestRaw(s, `paced/img${i}`, 'v1')).digest, img.digest);
  });

  it('holds pulls until a fixed window resets (IETF headers with reset), re-reading the budget with HEADs, and logs the pacing once', {
    timeout: 60_000,
  }, async () => {
    const p = await startRateLimitProxy({ target: a.url, limit: 3, windowSeconds: 2, style: 'ietf', fixedWindow: true });
    proxies.push(p);
    const args = [
      `--securityFile=${security(p)}`,
      `--ruleFile=${rulesFor(p, ['img0', 'img1', 'img2', 'img3'], 'ietf')}`,
      `--report-dir=${dir}/reports`,
      '--pull-reserve=1',
      '--pull-max-wait=10',
      '--routines=4',
    ];
    const run = await runCli(args);
    assert.equal(run.code, 0, run.stderr.slice(-2000));
    assert.match(run.stdout, /succeeded 4, skipped 0, failed 0/);
    assert.equal(p.refused(), 0, 'never a 429');
    assert.equal(p.pulls(), 4);
    assert.equal((run.stderr.match(/pacing manifest GETs/g) ?? []).length, 1, `logged once, not per request:\n${run.stderr}`);
    assert.match(run.stderr, /1 of 3 pulls left, 1 kept in reserve \(--pull-reserve\)/);
    assert.ok(
      p.requests.some((r) => r.method === 'HEAD' && /manifests/.test(r.path)),
      'the budget was re-read with HEADs',
    );
  });

  it('estimates pulls and bytes per source registry: shared layers once, one image already present, mounts counted apart', { timeout: 60_000 }, async () => {
    const p = await proxy(1000);
    // img0 is already at the target with the same digest: it must cost nothing
    await pushImage(s, 'est/img0', 'v1', {
      format: 'oci',
      layers: [
        { seed: 'quota-base', size: 300_000 },
        { seed: 'quota-0', size: 50_000 },
      ],
    });
    const rules = write('rules-est.yaml', {
      ...Object.fromEntries(['img0', 'img1', 'img2', 'img3'].map((n) => [`${p.host}/src/${n}:v1`, `${s.host}/est/${n}:v1`])),
      [`${p.host}/src/multi:v1`]: `${s.host}/est/multi:v1`,
    });
    const base = [`--securityFile=${security(p)}`, `--ruleFile=${rules}`, '--output=json'];
    const heads = await runCli([...base, '--estimate=heads']);
    assert.equal(heads.code, 0, heads.stderr);
    assert.equal(p.pulls(), 0, 'the HEAD-only estimate spends no pull');
    const h = (JSON.parse(heads.stdout) as { estimate: PlanEstimate }).estimate.sources[0]!;
    assert.deepEqual([h.images, h.upToDate, h.toCopy, h.pulls, h.pullsExact], [5, 1, 4, 4, false]);

    const full = await runCli([...base, '--estimate']);
    assert.equal(full.code, 0, full.stderr);
    const e = (JSON.parse(full.stdout) as { estimate: PlanEstimate }).estimate;
    assert.equal(e.mode, 'full');
    const src = e.sources[0]!;
    assert.equal(src.registry, p.host);
    // img1..3 one GET each; the index one GET plus one per platform
    assert.equal(src.pulls, 3 + 3);
    assert.equal(src.estimatePulls, 6);
    assert.equal(p.pulls(), 6, 'the proxy counted exactly the pulls the estimate reports it used');
    const sizes = await blobSizes(p, ['img1', 'img2', 'img3', 'multi']);
    const baseLayer = sizes.shared;
    assert.equal(src.bytes!.mounted, 2 * baseLayer, 'img2 and img3 mount the base layer img1 brings');
    assert.equal(src.bytes!.moved, sizes.total, 'every unique blob moves once, the shared one included');
    assert.equal(src.bytes!.present, 0);
    assert.equal((await getManifestRaw(s, 'est/img1', 'v1')).status, 404, 'an estimate copies nothing');
    const text = await runCli([...base.slice(0, 2), '--estimate']);
    assert.match(
      text.stdout,
      new RegExp(
        `${p.host.replace(/\./g, '\\.')}: 5 image\\(s\\), 1 up to date, 4 to copy; 6 pull\\(s\\); .+ to move \\(\\d+ blobs\\), .+ mounted, 0 B already present; the estimate itself used 6 pull\\(s\\)`,
      ),
    );
  });

  /** Sizes of every blob of the images as the estimate should see them, read around the proxy. */
  async function blobSizes(_p: RateLimitProxy, names: string[]): Promise<{ total: number; shared: number }> {
    const seen = new Map<string, number>();
    const counts = new Map<string, number>();
    const walk = async (repo: string, ref: string): Promise<void> => {
      const m = JSON.parse((await getManifestRaw(a, repo, ref)).bytes!.toString()) as {
        manifests?: Array<{ digest: string }>;
        config?: { digest: string; size: number };
        layers?: Array<{ digest: string; size: number }>;
      };
      for (const child of m.manifests ?? []) await walk(repo, child.digest);
      for (const b of [...(m.config ? [m.config] : []), ...(m.layers ?? [])]) {
        seen.set(b.digest, b.size);
        counts.set(b.digest, (counts.get(b.digest) ?? 0) + 1);
      }
    };
    for (const n of names) await walk(`src/${n}`, 'v1');
    const shared = [...counts].filter(([, c]) => c === 3).map(([d]) => seen.get(d)!);
    assert.equal(shared.length, 1, 'one layer shared by img1..3');
    return { total: [...seen.values()].reduce((x, y) => x + y, 0), shared: shared[0]! };
  }

  describe('shared pull budget in COS (create-only objects) across concurrent workers', () => {
    let cloud: CloudFake;
    before(async () => {
      cloud = await startCloudFake({ secrets: { [KEY.secretId]: KEY.secretKey } });
    });
    after(async () => cloud?.stop());

    it('never grants more than the budget in any window, lets tokens come back after it, and fails clearly past the wait limit', {
      timeout: 60_000,
    }, async () => {
      const policy = PullBudgetPolicy.parse({ registry: 'docker.io', pulls: 5, windowSeconds: 2, maxWaitSeconds: 30 });
      const grants: number[] = [];
      // six workers, each with its own SDK client (as separate function instances would be)
      const workers = Array.from(
        { length: 6 },
        () =>
          new SharedPullBudget(
            new CosPullLedger({ bucket: 'budget-1250000000', region: 'ap-guangzhou', credential: staticCredential(KEY), proxy: cloud.proxy }),
            policy,
          ),
      );
      const until = Date.now() + 7000;
      await Promise.all(
        workers.map(async (w) => {
          while (Date.now() < until) {
            await w.take();
            grants.push(Date.now());
          }
        }),
      );
      grants.sort((x, y) => x - y);
      for (const t of grants) {
        const inWindow = grants.filter((g) => g >= t && g < t + policy.windowSeconds * 1000).length;
        assert.ok(inWindow <= policy.pulls, `${inWindow} grants within ${policy.windowSeconds} s of ${t}`);
      }
      assert.ok(grants.length > policy.pulls, 'tokens came back after the window');
      const tokens = [...cloud.objects.keys()].filter((k) => k.includes('/pull-budget/docker.io/tokens/'));
      assert.equal(tokens.length, grants.length, 'one object per grant: no token was granted twice');
      assert.ok(
        cloud.calls.some((c) => c.service === 'cos' && c.action === 'PUT'),
        'claims went through COS',
      );

      const impatient = new SharedPullBudget(
        new CosPullLedger({ bucket: 'budget-1250000000', region: 'ap-guangzhou', credential: staticCredential(KEY), proxy: cloud.proxy }),
        PullBudgetPolicy.parse({ registry: 'quay.io', pulls: 1, windowSeconds: 3600, maxWaitSeconds: 1 }),
      );
      await impatient.take();
      await assert.rejects(impatient.take(), /QUOTA_EXHAUSTED: the shared pull budget of quay\.io \(1 pulls per 3600 s, all workers together\) is used up/);
    });

    it('is honoured by transfer functions in separate processes: a published budget of 2 pulls lets 2 of 3 concurrent images through, the third fails with QUOTA_EXHAUSTED, and no 429', {
      timeout: 120_000,
    }, async () => {
      ensureBuilt('functions');
      const p = await proxy(100);
      const bucket = 'reports-1250000000';
      const role = { TENCENTCLOUD_SECRETID: KEY.secretId, TENCENTCLOUD_SECRETKEY: KEY.secretKey };
      cloud.objects.set(`${bucket}/security.yaml`, Buffer.from(yaml.dump({ [p.host]: { insecure: true }, [s.host]: { insecure: true } })));
      // what the planner publishes for a run with options.pullBudget
      cloud.objects.set(
        `${bucket}/pull-budget/${p.host}/policy.json`,
        Buffer.from(JSON.stringify({ registry: p.host, pulls: 2, windowSeconds: 3600, maxWaitSeconds: 1 })),
      );
      const env = {
        ...role,
        IT_REGION: 'ap-guangzhou',
        IT_BUCKET: bucket,
        IT_QUEUE: 'scf-async',
        IT_SECURITY: 'cos:security.yaml',
        IT_ALLOW_INTERNAL: '127.0.0.1',
        IT_CLOUD_PROXY: cloud.proxy,
      };
      const task = (i: number) => ({
        runId: 'quota-run',
        taskId: `${'0'.repeat(15)}${i}`,
        source: { registry: p.host, repository: `src/img${i}`, reference: 'v1' },
        target: { registry: s.host, repository: `budget/img${i}`, reference: 'v1' },
        overwrite: 'if-changed',
        rule: { source: `${p.host}/src/img${i}:v1`, target: `${s.host}/budget/img${i}:v1` },
      });
      const results = await Promise.all([1, 2, 3].map((i) => callFunction<{ status: string; error?: string }>('transfer', { task: task(i) }, env)));
      assert.deepEqual(results.map((r) => r.status).sort(), ['failed', 'succeeded', 'succeeded']);
      assert.equal(p.pulls(), 2, 'the three workers together made 2 pulls');
      assert.equal(p.refused(), 0);
      const failed = results.find((r) => r.status === 'failed')!;
      const stored = [...cloud.objects]
        .filter(([k]) => k.startsWith(`${bucket}/runs/quota-run/results/`))
        .map(([, v]) => JSON.parse(v.toString()) as { status: string; error?: { code: string; message: string } });
      assert.equal(stored.length, 3);
      assert.equal(stored.find((r) => r.status === 'failed')!.error!.code, 'QUOTA_EXHAUSTED');
      assert.match(
        stored.find((r) => r.status === 'failed')!.error!.message,
        new RegExp(`QUOTA_EXHAUSTED: the shared pull budget of ${p.host.replace(/\./g, '\\.')} \\(2 pulls per 3600 s`),
      );
      assert.ok(failed.error);
    });
  });
});
