import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { RunReport } from '../../lib/report/index.js';
import { startCountingProxy, type CountingProxy, type ProxyEntry } from '../support/access-log.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { pushImage } from '../support/images.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { startServe } from '../support/serve.js';
import { until } from '../support/until.js';

const API_KEY = 'serve-test-api-key-0123456789abcdef';
const PASSWORD = 'serve-test-registry-password-7f3a9c';

/** A GET with a chosen Host header (fetch does not let one set it). */
const rawGet = (url: string, path: string, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject).end();
  });

describe('image-transfer serve: the planner API, schedules and workers in one process', () => {
  let src: RunningRegistry;
  let dstRegistry: RunningRegistry;
  let dst: CountingProxy;
  let dir: string;
  let security: string;
  let allow: string;
  const images = Array.from({ length: 8 }, (_, i) => `app${i}`);

  before(async () => {
    ensureBuilt('cli');
    [src, dstRegistry] = await Promise.all([startRegistry({ mode: 'plain' }), startRegistry({ mode: 'plain' })]);
    dst = await startCountingProxy(dstRegistry.url);
    await Promise.all(images.map((name) => pushImage(src, `src/${name}`, 'v1', { format: 'oci', layers: [{ seed: `serve-${name}`, size: 50_000 }] })));
    dir = await mkdtemp(join(tmpdir(), 'serve-test-'));
    security = join(dir, 'security.yaml');
    // the password is never sent to a plain registry; it must not show up in a log or an answer either
    await writeFile(
      security,
      yaml.dump({ [src.host]: { insecure: true, username: 'svc', password: PASSWORD }, [dst.host]: { insecure: true }, '127.0.0.1:9': {} }),
    );
    allow = `${src.host},${dst.host}`;
  });
  after(async () => {
    await dst?.stop();
    await Promise.all([src?.stop(), dstRegistry?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const rulesFor = (names: string[], to: string) => yaml.dump(Object.fromEntries(names.map((n) => [`${src.host}/src/${n}:v1`, `${dst.host}/${to}/${n}:v1`])));
  const reportsIn = async (dataDir: string): Promise<RunReport[]> => {
    const ids = (await readdir(join(dataDir, 'runs')).catch(() => [] as string[])).sort();
    const texts = await Promise.all(ids.map((id) => readFile(join(dataDir, 'runs', id, 'report.json'), 'utf8').catch(() => undefined)));
    return texts.filter((t): t is string => t !== undefined).map((t) => RunReport.parse(JSON.parse(t)));
  };
  const puts = (entries: ProxyEntry[], repo: string) =>
    entries.filter((e) => e.method === 'PUT' && e.kind === 'manifest' && e.path.startsWith(`/v2/${repo}/`)).length;

  it('refuses to open an unsigned API to the network, and a bad jobs file, with exit 2', async () => {
    const open = await runCli(['serve', '--securityFile', security, '--listen', '0.0.0.0:0']);
    assert.equal(open.code, 2, open.stderr);
    assert.match(open.stderr, /no API key.*0\.0\.0\.0:0/);
    const jobs = join(dir, 'bad-jobs.yaml');
    await writeFile(jobs, yaml.dump({ jobs: [{ name: 'nightly', schedule: '0 99 * * *', rules: { [`${src.host}/a/b`]: `${dst.host}/a/b` } }] }));
    const bad = await runCli(['serve', '--securityFile', security, '--jobs', jobs]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /bad-jobs\.yaml(:\d+)?: jobs\[0\]\.schedule: not a cron schedule/);
  });

  it('runs a scheduled job on every tick without overlapping itself; the second run is a no-op', async () => {
    const dataDir = join(dir, 'scheduled');
    const jobs = join(dir, 'jobs.yaml');
    // every second: the second tick comes while the first run transfers, and is skipped (no overlap)
    await writeFile(jobs, yaml.dump({ jobs: [{ name: 'every-second', schedule: '* * * * * *', rules: yaml.load(rulesFor(images.slice(0, 3), 'sched')) }] }));
    dst.reset();
    const serve = await startServe(['--securityFile', security, '--data-dir', dataDir, '--jobs', jobs, '--listen', '127.0.0.1:0', '--allow-internal', allow]);
    try {
      const reports = await until('two reported runs of the job', async () => {
        const r = await reportsIn(dataDir);
        return r.length >= 2 ? r : undefined;
      });
      assert.deepEqual([reports[0]!.totals.succeeded, reports[0]!.totals.skipped, reports[0]!.totals.failed], [3, 0, 0]);
      assert.deepEqual([reports[1]!.totals.succeeded, reports[1]!.totals.skipped, reports[1]!.totals.failed], [0, 3, 0]);
      for (const name of images.slice(0, 3)) assert.equal(puts(dst.entries(), `sched/${name}`), 1, `${name} pushed once`);
      // the data directory holds the bucket's layout, report included
      const first = join(dataDir, 'runs', reports[0]!.runId);
      assert.deepEqual((await readdir(first)).sort(), ['plan', 'plan.json', 'report.html', 'report.json', 'report.md', 'results']);
      // the job is stored as the functions store theirs: POST /runs {"job"} starts it now
      const now = await serve.call('POST', '/runs', JSON.stringify({ job: 'every-second' }));
      assert.equal(now.status, 202, now.body);
      // no key, nothing signed: a page in the operator's browser gets nothing (form post, rebound name)
      const form = await fetch(`${serve.url}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ job: 'every-second' }),
      });
      assert.equal(form.status, 403);
      const rebound = await rawGet(serve.url, '/runs', 'attacker.example:8080');
      assert.equal(rebound, 403);
      serve.child.kill('SIGTERM');
      assert.deepEqual(await serve.exited(), { code: 0, signal: null });
    } finally {
      serve.child.kill('SIGKILL');
    }
  });

  it('answers signed requests only, refuses SSRF-shaped rules, finishes two runs posted at once; no secret in logs or answers', async () => {
    const serve = await startServe(['--securityFile', security, '--data-dir', join(dir, 'api'), '--listen', '127.0.0.1:0', '--allow-internal', allow], {
      IMAGE_TRANSFER_API_KEY: API_KEY,
    });
    const answers: string[] = [];
    const call = async (method: string, path: string, body?: string, key?: string) => {
      const r = await serve.call(method, path, body, key);
      answers.push(r.body);
      return r;
    };
    try {
      const body = JSON.stringify({ rules: rulesFor(['app3'], 'api-a') });
      assert.equal((await call('POST', '/runs', body)).status, 401);
      assert.equal((await call('POST', '/runs', body, 'not-the-key-0000000000')).status, 401);
      assert.equal((await call('GET', '/runs')).status, 401);
      for (const registry of ['169.254.169.254', '127.0.0.1:9', 'localhost:5000']) {
        const ssrf = JSON.stringify({ rules: yaml.dump({ [`${registry}/latest/meta-data`]: `${dst.host}/x/y` }) });
        const r = await call('POST', '/runs', ssrf, API_KEY);
        assert.equal(r.status, 403, `${registry}: ${r.body}`);
      }
      const big = JSON.stringify({ rules: 'x'.repeat(2 * 1024 * 1024) });
      assert.equal((await call('POST', '/runs', big, API_KEY)).status, 413);

      const bodies = [rulesFor(['app3', 'app4'], 'api-a'), rulesFor(['app5', 'app6'], 'api-b')].map((rules) => JSON.stringify({ rules }));
      const started = await Promise.all(bodies.map((b) => call('POST', '/runs', b, API_KEY)));
      const runIds = started.map((s) => {
        assert.equal(s.status, 202, s.body);
        return (JSON.parse(s.body) as { runId: string }).runId;
      });
      for (const runId of runIds) {
        const status = await until(`run ${runId} reported`, async () => {
          const s = JSON.parse((await call('GET', `/runs/${runId}`, '', API_KEY)).body) as { state: string; totals?: { succeeded: number } };
          return s.state === 'reported' ? s : undefined;
        });
        assert.equal(status.totals?.succeeded, 2);
        const page = await call('GET', `/runs/${runId}/report.html`, '', API_KEY);
        assert.equal(page.status, 200);
        assert.match(page.type, /^text\/html/);
      }
      const listed = JSON.parse((await call('GET', '/runs', '', API_KEY)).body) as { runs: Array<{ runId: string }> };
      assert.deepEqual(listed.runs.map((r) => r.runId).sort(), [...runIds].sort());
      const metrics = await fetch(`${serve.url}/metrics`).then((r) => r.text());
      assert.match(metrics, /image_transfer_images_total\{status="succeeded"\} 4/);
      assert.match(metrics, /image_transfer_runs_reported_total\{outcome="ok"\} 2/);
      serve.child.kill('SIGTERM');
      assert.equal((await serve.exited()).code, 0);
      for (const text of [serve.stderr(), ...answers]) {
        assert.ok(!text.includes(PASSWORD), 'the registry password leaked');
        assert.ok(!text.includes(API_KEY), 'the API key leaked');
      }
    } finally {
      serve.child.kill('SIGKILL');
    }
  });

  it('is driven by image-transfer cloud start and cloud status unchanged (the same API as the planner function)', async () => {
    const dataDir = join(dir, 'client');
    const serve = await startServe(['--securityFile', security, '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--allow-internal', allow], {
      IMAGE_TRANSFER_API_KEY: API_KEY,
    });
    try {
      const ruleFile = join(dir, 'client-rules.yaml');
      await writeFile(ruleFile, rulesFor(['app6', 'app7'], 'client'));
      const env = { IMAGE_TRANSFER_API_KEY: API_KEY };
      const started = await runCli(['cloud', 'start', '--url', serve.url, '--ruleFile', ruleFile, '--securityFile', security, '--poll-interval', '1'], { env });
      assert.equal(started.code, 0, started.stderr);
      const runId = started.stdout.match(/^run (\S+):/m)?.[1];
      assert.ok(runId, started.stdout);
      assert.match(started.stdout, /succeeded 2, skipped 0, failed 0/);
      assert.ok(started.stdout.includes(`report: ${join(dataDir, 'runs', runId, 'report.html')}`), started.stdout);
      const status = await runCli(['cloud', 'status', runId, '--url', serve.url], { env });
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, new RegExp(`^run ${runId}: reported`, 'm'));
      for (const text of [started.stdout, started.stderr, status.stdout, status.stderr, serve.stderr()]) {
        assert.ok(!text.includes(API_KEY), 'the API key leaked');
        assert.ok(!text.includes(PASSWORD), 'the registry password leaked');
      }
    } finally {
      serve.child.kill('SIGKILL');
    }
  });

  it('after kill -9 mid-run, the next start finishes the run without redoing a task that has a result', async () => {
    const dataDir = join(dir, 'restart');
    const args = ['--securityFile', security, '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--allow-internal', allow, '--workers', '2'];
    // both workers stop at the blob uploads of app3 and app4; the tasks queued after them wait
    const held = dst.hold((e) => e.method === 'POST' && e.kind === 'upload' && /^\/v2\/restart\/app[34]\//.test(e.path));
    dst.reset();
    const first = await startServe(args);
    let runId: string;
    try {
      const r = await first.call('POST', '/runs', JSON.stringify({ rules: rulesFor(images, 'restart') }));
      assert.equal(r.status, 202, r.body);
      runId = (JSON.parse(r.body) as { runId: string }).runId;
      await held.arrived;
      const parked = (n: number) => dst.entries().some((e) => e.kind === 'upload' && e.path.startsWith(`/v2/restart/app${n}/`));
      await until('both workers parked', async () => (parked(3) && parked(4) ? true : undefined));
    } finally {
      first.child.kill('SIGKILL');
    }
    await first.exited();
    const doneBefore = await readdir(join(dataDir, 'runs', runId, 'results'));
    assert.ok(doneBefore.length >= 1 && doneBefore.length <= 6, `${doneBefore.length} results before the kill`);
    const doneRepos = await Promise.all(
      doneBefore.map(async (f) => (JSON.parse(await readFile(join(dataDir, 'runs', runId, 'results', f), 'utf8')) as { target: string }).target),
    );
    held.release();
    const before = dst.entries().length;
    const second = await startServe(args);
    try {
      await second.logged(new RegExp(`run ${runId} finished`));
      // a task whose push ended just before the kill, unrecorded, finds its image in place: skipped
      const [, succeeded, skipped] = second.stderr().match(new RegExp(`run ${runId} finished: (\\d+) succeeded, (\\d+) skipped, 0 failed`)) ?? [];
      assert.equal(Number(succeeded) + Number(skipped), 8, second.stderr());
      const after = dst.entries().slice(before);
      for (const target of doneRepos) {
        const repo = target.replace(`${dst.host}/`, '').replace(/:v1$/, '');
        assert.equal(after.filter((e) => e.path.startsWith(`/v2/${repo}/`)).length, 0, `${repo} has a result: not touched again`);
      }
      for (const name of images) assert.equal(puts(dst.entries(), `restart/${name}`), 1, `${name} pushed once`);
      second.child.kill('SIGTERM');
      assert.equal((await second.exited()).code, 0);
    } finally {
      second.child.kill('SIGKILL');
    }
  });

  it('on SIGTERM stops taking requests, lets the transfer in flight finish, reports it and exits 0', async () => {
    const dataDir = join(dir, 'drain');
    const held = dst.hold((e) => e.method === 'POST' && e.kind === 'upload' && e.path.startsWith('/v2/drain/'));
    const serve = await startServe(['--securityFile', security, '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--allow-internal', allow]);
    try {
      const r = await serve.call('POST', '/runs', JSON.stringify({ rules: rulesFor(['app7'], 'drain') }));
      const { runId } = JSON.parse(r.body) as { runId: string };
      await held.arrived;
      serve.child.kill('SIGTERM');
      await serve.logged(/SIGTERM: no new runs/);
      await assert.rejects(serve.call('GET', '/healthz'), 'the listener is closed');
      assert.equal(serve.child.exitCode, null, 'still draining');
      held.release();
      assert.deepEqual(await serve.exited(), { code: 0, signal: null });
      const report = RunReport.parse(JSON.parse(await readFile(join(dataDir, 'runs', runId, 'report.json'), 'utf8')));
      assert.equal(report.totals.succeeded, 1);
      assert.match(serve.stderr(), /every transfer in flight finished/);
    } finally {
      serve.child.kill('SIGKILL');
    }
  });

  it('at the drain deadline cuts the transfer in flight, exits 0, and leaves its run open for the next start', async () => {
    const dataDir = join(dir, 'cut');
    const held = dst.hold((e) => e.method === 'POST' && e.kind === 'upload' && e.path.startsWith('/v2/cut/'));
    const serve = await startServe([
      '--securityFile',
      security,
      '--data-dir',
      dataDir,
      '--listen',
      '127.0.0.1:0',
      '--allow-internal',
      allow,
      '--drain-timeout',
      '0',
    ]);
    try {
      const r = await serve.call('POST', '/runs', JSON.stringify({ rules: rulesFor(['app6'], 'cut') }));
      const { runId } = JSON.parse(r.body) as { runId: string };
      await held.arrived;
      serve.child.kill('SIGTERM');
      assert.deepEqual(await serve.exited(), { code: 0, signal: null });
      held.release();
      assert.match(serve.stderr(), /stopped: 1 transfer\(s\) cut at the deadline will run again at the next start/);
      const results = await readdir(join(dataDir, 'runs', runId, 'results'));
      const result = JSON.parse(await readFile(join(dataDir, 'runs', runId, 'results', results[0]!), 'utf8')) as { status: string; error?: { code: string } };
      assert.deepEqual([result.status, result.error?.code], ['failed', 'ABORTED']);
      assert.ok(!(await readdir(join(dataDir, 'runs', runId))).includes('report.json'), 'the cut run is not reported as failed');
    } finally {
      serve.child.kill('SIGKILL');
    }
  });
});
