import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { startCountingProxy, type CountingProxy } from '../support/access-log.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { getManifestRaw, headBlob, pushImage, type PushedImage } from '../support/images.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const MiB = 1024 * 1024;
/** Kill points: after the Nth image has been reported done (blobs of others are in flight then). */
const KILL_AFTER_IMAGES = [2, 7];

describe('crash safety: SIGKILL mid-run, then the same command again', () => {
  let a: RunningRegistry;
  let b: RunningRegistry;
  let proxy: CountingProxy;
  let dir: string;
  const images = new Map<string, PushedImage>();

  before(async () => {
    ensureBuilt();
    [a, b] = await Promise.all([startRegistry({ mode: 'plain' }), startRegistry({ mode: 'plain' })]);
    proxy = await startCountingProxy(b.url);
    for (let i = 0; i < 12; i++) {
      const name = `svc${i}`;
      images.set(
        name,
        await pushImage(a, `src/${name}`, 'v1', {
          format: 'oci',
          layers: [
            { seed: 'crash-base', size: 4 * MiB },
            { seed: name, size: 3 * MiB },
          ],
        }),
      );
    }
    dir = mkdtempSync(join(tmpdir(), 'it-crash-'));
    writeFileSync(join(dir, 'security.yaml'), yaml.dump({ [a.host]: { insecure: true }, [proxy.host]: { insecure: true } }));
    writeFileSync(join(dir, 'rule.yaml'), yaml.dump(Object.fromEntries([...images.keys()].map((n) => [`${a.host}/src/${n}:v1`, `${proxy.host}/dst/${n}:v1`]))));
  });
  after(async () => {
    await proxy?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Blobs present at the destination now, per repository. */
  async function present(): Promise<Set<string>> {
    const out = new Set<string>();
    for (const [name, img] of images) for (const blob of img.blobs) if ((await headBlob(b, `dst/${name}`, blob)) === 200) out.add(`dst/${name}@${blob}`);
    return out;
  }

  /** Every tag at the destination names a complete image (the tag is written last). */
  async function assertNoHalfImages(): Promise<number> {
    let tagged = 0;
    for (const [name, img] of images) {
      const got = await getManifestRaw(b, `dst/${name}`, 'v1');
      if (got.status !== 200) continue;
      tagged++;
      assert.equal(got.digest, img.digest);
      for (const blob of img.blobs) assert.equal(await headBlob(b, `dst/${name}`, blob), 200, `dst/${name} is tagged but lacks ${blob}`);
    }
    return tagged;
  }

  const uploadedBlobs = (): string[] =>
    proxy.entries().flatMap((e) => {
      const m = e.method === 'PUT' && e.kind === 'upload' ? e.path.match(/^\/v2\/(.+)\/blobs\/uploads\/.*[?&]digest=(sha256(?:%3A|:)[a-f0-9]{64})/) : null;
      return m ? [`${m[1]}@${decodeURIComponent(m[2]!)}`] : [];
    });

  it('resumes after kills without re-sending blobs that already arrived', { timeout: 120_000 }, async () => {
    const args = [
      `--securityFile=${join(dir, 'security.yaml')}`,
      `--ruleFile=${join(dir, 'rule.yaml')}`,
      `--report-dir=${join(dir, 'reports')}`,
      '--routines=3',
      '--qps=40',
    ];
    const progress: number[] = [];
    for (const n of KILL_AFTER_IMAGES) {
      const before = await present();
      proxy.reset();
      const run = await runCli(args, { killWhen: (err) => (err.match(/\] succeeded /g) ?? []).length >= n });
      progress.push(await assertNoHalfImages());
      const resent = uploadedBlobs().filter((blob) => before.has(blob));
      assert.deepEqual(resent, [], `killed run (signal ${run.signal}, exit ${run.code}) re-sent blobs that were present`);
    }
    const before = await present();
    assert.ok(before.size > 0, 'the killed runs moved something');
    proxy.reset();
    const final = await runCli(args);
    assert.equal(final.code, 0, final.stdout + final.stderr);
    assert.deepEqual(
      uploadedBlobs().filter((blob) => before.has(blob)),
      [],
    );
    assert.equal(await assertNoHalfImages(), images.size);
    console.log(`crash suite: tagged after kills ${progress.join(', ')} of ${images.size}; blobs present before the final run ${before.size}`);
  });
});
