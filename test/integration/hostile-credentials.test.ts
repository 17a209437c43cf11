import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { ensureBuilt, runCli } from '../support/cli.js';
import { credentialForms, leaks, startHostileRegistry, type HostileRegistry, type HostileScenario } from '../support/hostile-registry.js';
import { getManifestRaw, pushImage } from '../support/images.js';
import { ensurePki, type Pki } from '../support/pki.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

// Finding 1 of the hostile-registry review: a 401 from a host other than the registry (reached by a
// redirect or an upload Location) must never move the registry's credentials to that host's token realm.

const AUTH = { username: 'hostile-user', password: 'hostile-secret-7Qx' };
const BOUND_MS = 120_000;

describe('a foreign challenge never receives the registry credentials', () => {
  let real: RunningRegistry;
  let pki: Pki;
  let dir: string;

  before(async () => {
    ensureBuilt();
    pki = await ensurePki();
    dir = mkdtempSync(join(tmpdir(), 'it-hostile-cred-'));
    real = await startRegistry({ mode: 'plain' });
    await pushImage(real, 'good/app', 'v1', { format: 'oci', layers: [{ seed: 'good-app', size: 4 * 1024 * 1024 }] });
    await pushImage(real, 'good/other', 'v1', { format: 'oci', layers: [{ seed: 'good-other', size: 50_000 }] });
  });
  after(async () => {
    await real?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<{ scenario: HostileScenario; role: 'source' | 'destination'; tls: boolean }> = [
    { scenario: 'blob-redirect-foreign-challenge', role: 'source', tls: false },
    { scenario: 'blob-redirect-foreign-challenge', role: 'source', tls: true },
    { scenario: 'upload-foreign-challenge', role: 'destination', tls: false },
    { scenario: 'upload-foreign-challenge', role: 'destination', tls: true },
  ];

  for (const { scenario, role, tls } of cases) {
    it(`${scenario} (${role}, ${tls ? 'https' : 'http'}): exit 1 naming the image, no credential to the other host, no tag, the rest copied`, {
      timeout: BOUND_MS + 10_000,
    }, async () => {
      const hostile: HostileRegistry = await startHostileRegistry({ scenario, auth: AUTH, ...(tls ? { pki } : {}), layerSize: 4 * 1024 * 1024 });
      try {
        const name = `${scenario}-${tls ? 'https' : 'http'}`;
        const security = join(dir, `${name}.security.yaml`);
        writeFileSync(
          security,
          yaml.dump({
            [real.host]: { insecure: true },
            [hostile.host]: { username: AUTH.username, password: '${HOSTILE_PASSWORD}', ...(tls ? { caFile: hostile.caFile } : { insecure: true }) },
          }),
        );
        const rules = join(dir, `${name}.rule.yaml`);
        const hostileRule =
          role === 'source'
            ? { [`${hostile.host}/${hostile.image.repository}:${hostile.image.tag}`]: `${real.host}/stolen/${name}:v1` }
            : { [`${real.host}/good/app:v1`]: `${hostile.host}/pushed/app:v1` };
        writeFileSync(rules, yaml.dump({ ...hostileRule, [`${real.host}/good/other:v1`]: `${real.host}/unaffected/${name}:v1` }));

        const run = await runCli([`--securityFile=${security}`, `--ruleFile=${rules}`, `--report-dir=${dir}/reports`, '--retry=1'], {
          env: { HOSTILE_PASSWORD: AUTH.password, DOCKER_CONFIG: '/nonexistent' },
          killAfterMs: BOUND_MS,
        });
        const out = run.stdout + run.stderr;
        assert.equal(run.signal, null, `ended by itself within ${BOUND_MS / 1000} s:\n${out}`);
        assert.deepEqual(leaks(hostile.other.requests, credentialForms(AUTH)), [], 'no request to the other host carries a credential');
        assert.equal(run.code, 1, out);
        const failedImage = role === 'source' ? `${hostile.host}/${hostile.image.repository}:${hostile.image.tag}` : `${hostile.host}/pushed/app:v1`;
        assert.match(run.stdout, new RegExp(`FAILED .*${failedImage.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`), out);
        assert.match(run.stdout, /succeeded 1, skipped 0, failed 1/, out);
        for (const form of credentialForms(AUTH)) assert.ok(!out.includes(form), `no credential form in the output: ${form}`);
        if (role === 'source') assert.equal((await getManifestRaw(real, `stolen/${name}`, 'v1')).status, 404, 'no tag written');
        else assert.deepEqual(hostile.manifestsWritten, [], 'no manifest written at the destination');
        assert.equal((await getManifestRaw(real, `unaffected/${name}`, 'v1')).status, 200, 'the other rule was copied');
      } finally {
        await hostile.stop();
      }
    });
  }
});
