import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { RunReport } from '../../lib/report/index.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { getManifestRaw, pushImage, type PushedImage } from '../support/images.js';
import { ensurePki } from '../support/pki.js';
import { RawHttp, type Endpoint } from '../support/raw-http.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { startTokenServer } from '../support/token-server.js';

// A refused `POST /blobs/uploads/` for the last blob in flight, bigger than the stream buffers, once left
// the source body unread: the image never settled and the CLI ended with exit 0, no summary, no report.

const MiB = 1024 * 1024;
const BOUND_MS = 120_000;
const LAYERS = { big4: 4 * MiB, big24: 24 * MiB };

/** Copies the image's config blob to `repo` at `to`, so its layer is the only blob left to upload. */
async function seedConfig(from: Endpoint, image: PushedImage, to: Endpoint, repo: string): Promise<void> {
  const source = new RawHttp(from);
  const manifest = JSON.parse(
    (await source.send('GET', `/v2/${image.repo}/manifests/${image.digest}`, { headers: { accept: image.mediaType } })).body.toString(),
  ) as { config: { digest: string } };
  const config = (await source.send('GET', `/v2/${image.repo}/blobs/${manifest.config.digest}`)).body;
  const target = new RawHttp(to);
  const post = await target.send('POST', `/v2/${repo}/blobs/uploads/`);
  assert.equal(post.status, 202, post.body.toString());
  const url = new URL(post.headers.location!, to.url);
  url.searchParams.set('digest', manifest.config.digest);
  const put = await target.send('PUT', url.href, { headers: { 'content-type': 'application/octet-stream' }, body: config });
  assert.equal(put.status, 201, put.body.toString());
}

describe('an upload refused at the POST fails the image in bounded time, never a silent exit 0', () => {
  let a: RunningRegistry;
  let t: RunningRegistry;
  let tokens: Awaited<ReturnType<typeof startTokenServer>>;
  const proxies: Record<number, FaultProxy> = {};
  let dir: string;
  const images: Record<string, PushedImage> = {};

  before(async () => {
    ensureBuilt();
    const pki = await ensurePki();
    dir = mkdtempSync(join(tmpdir(), 'it-upload-refused-'));
    tokens = await startTokenServer({ pki, users: { testuser: 'testpass', puller: 'pullpass' }, pullOnly: ['puller'] });
    [a, t] = await Promise.all([startRegistry({ mode: 'plain' }), startRegistry({ mode: 'token+tls', tokenRealm: tokens.realm })]);
    for (const [name, size] of Object.entries(LAYERS))
      images[name] = await pushImage(a, `src/${name}`, 'v1', { format: 'oci', layers: [{ seed: name, size }] });
    images.good = await pushImage(a, 'src/good', 'v1', { format: 'oci', layers: [{ seed: 'good', size: 100_000 }] });
    for (const name of Object.keys(LAYERS)) await seedConfig(a, images[name]!, t, `dst/${name}`);
    for (const status of [403, 503]) {
      proxies[status] = await startFaultProxy({
        target: t.url,
        ca: readFileSync(pki.caCert, 'utf8'),
        seed: 1,
        rate: 0,
        faults: [],
        refuse: { method: 'POST', path: /\/blobs\/uploads\/(\?|$)/, status },
      });
    }
  });
  after(async () => {
    await Promise.all(Object.values(proxies).map((p) => p.stop()));
    await Promise.all([a?.stop(), t?.stop()]);
    await tokens?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // distribution answers 401 (insufficient_scope) when the token lacks push; other registries say 403
  const cases = [
    {
      tag: 'pull-only',
      status: 401,
      name: 'a token that grants pull but not push',
      via: () => ({ host: t.host, access: { username: 'puller', password: 'pullpass', caFile: t.ca } }),
    },
    {
      tag: 'p403',
      status: 403,
      name: '403 on every upload POST',
      via: () => ({ host: proxies[403]!.host, access: { username: 'testuser', password: 'testpass', insecure: true } }),
    },
    {
      tag: 'p503',
      status: 503,
      name: '503 on every upload POST, after its retries',
      via: () => ({ host: proxies[503]!.host, access: { username: 'testuser', password: 'testpass', insecure: true } }),
    },
  ];

  for (const c of cases) {
    it(`${c.name}: both images (4 and 24 MiB layers) fail with the cause, exit 1, report written, the rest copied`, {
      timeout: BOUND_MS + 10_000,
    }, async () => {
      const { host, access } = c.via();
      const { tag } = c;
      const security = join(dir, `security-${tag}.yaml`);
      writeFileSync(security, yaml.dump({ [a.host]: { insecure: true }, [host]: access }));
      const rules = join(dir, `rule-${tag}.yaml`);
      writeFileSync(
        rules,
        yaml.dump({
          ...Object.fromEntries(Object.keys(LAYERS).map((name) => [`${a.host}/src/${name}:v1`, `${host}/dst/${name}:${tag}`])),
          [`${a.host}/src/good:v1`]: `${a.host}/unaffected/good:${tag}`,
        }),
      );
      const reports = join(dir, `reports-${tag}`);
      const run = await runCli([`--securityFile=${security}`, `--ruleFile=${rules}`, `--report-dir=${reports}`, '--retry=0', '--routines=1'], {
        env: { DOCKER_CONFIG: '/nonexistent' },
        killAfterMs: BOUND_MS,
      });
      const out = run.stdout + run.stderr;
      assert.equal(run.signal, null, `ended by itself within ${BOUND_MS / 1000} s:\n${out}`);
      assert.equal(run.code, 1, out);
      for (const name of Object.keys(LAYERS)) {
        assert.match(
          run.stdout,
          new RegExp(
            `FAILED ${a.host}/src/${name}:v1 -> ${host}/dst/${name}:${tag}: .*\\(destination\\): POST \\S+/v2/dst/${name}/blobs/uploads/: ${c.status}`,
          ),
          out,
        );
        assert.equal((await getManifestRaw(t, `dst/${name}`, tag)).status, 404, `no tag written for ${name}`);
      }
      assert.match(run.stdout, /succeeded 1, skipped 0, failed 2/, out);
      assert.match(run.stdout, /################# Finished, 2 transfer jobs failed, 0 jobs generate failed #################/, out);
      const dirOf = run.stdout.match(/report: (.+)\/report\.html/)?.[1];
      assert.ok(dirOf && existsSync(join(dirOf, 'report.json')), `report written: ${out}`);
      const report = RunReport.parse(JSON.parse(readFileSync(join(dirOf, 'report.json'), 'utf8')));
      assert.equal(report.totals.failed, 2);
      assert.equal(report.totals.succeeded, 1);
      assert.ok(existsSync(join(dirOf, 'failed.yaml')), 'failed.yaml lists what to re-run');
      assert.equal((await getManifestRaw(a, 'unaffected/good', tag)).status, 200, 'the other image was copied');
    });
  }
});
