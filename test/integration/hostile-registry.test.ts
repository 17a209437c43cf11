import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRuleFile } from '../../lib/rules/index.js';
import yaml from 'js-yaml';
import { ensureBuilt, runCli, type CliRun } from '../support/cli.js';
import { startHostileRegistry, type HostileRegistry, type HostileScenario } from '../support/hostile-registry.js';
import { getManifestRaw, pushImage } from '../support/images.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

// Finding 2 of the hostile-registry review: every read has a cap, every paging loop a page and entry
// limit and loop detection, every index walk a visited set and a depth limit. The CLI runs with its
// real limits (lib/util/limits.ts) against each misbehaviour.

const AUTH = { username: 'hostile-user', password: 'hostile-secret-7Qx' };
// HOSTILE_BOUND_MS shortens the bound to show, on code without the limits, that a scenario never ends.
const BOUND_MS = Number(process.env.HOSTILE_BOUND_MS ?? 120_000);
const RSS_BOUND_KIB = 300 * 1024;

interface Case {
  readonly scenario: HostileScenario;
  /** How the source is named: one tag, the whole repository (tags/list), or the catalog. */
  readonly source: 'tag' | 'repository' | 'catalog';
  /** What the run's output must say about the hostile source. */
  readonly says: RegExp;
}

const FAILING: Case[] = [
  { scenario: 'tags-new-pages', source: 'repository', says: /more than 100000 entries/ },
  { scenario: 'tags-self-link', source: 'repository', says: /Link loops back to a page already read/ },
  { scenario: 'catalog-link-loop', source: 'catalog', says: /catalog of .*Link loops back/ },
  { scenario: 'tags-endless-body', source: 'repository', says: /tag list of .* page larger than 1 MiB/ },
  { scenario: 'token-endless', source: 'tag', says: /token response larger than 1 MiB/ },
  // finding 7: a token realm answering HTML is named, not a JSON parser's complaint
  { scenario: 'token-html', source: 'tag', says: /GET http:\/\/127\.0\.0\.1:\d+\/token\?\S*: token response is not JSON/ },
  { scenario: 'error-endless', source: 'tag', says: /500 .*the registry is having a bad day/ },
  { scenario: 'index-too-deep', source: 'tag', says: /indexes nested more than 8 deep/ },
  // finding 3 with the real limits: headers trickled past the 60 s deadline (not retried after the
  // timed-out request budget), bodies slower than the minimum rate, a manifest's and a blob's
  { scenario: 'headers-trickle', source: 'tag', says: /HEADERS_TIMEOUT/ },
  { scenario: 'body-trickle', source: 'tag', says: /BODY_TOO_SLOW/ },
  { scenario: 'blob-trickle', source: 'tag', says: /copying blob sha256:\w+ \(source\): body slower than 16384 bytes per 30000 ms/ },
];

// finding 4: names a registry lists are checked against the distribution grammar before any use; the
// invalid ones are skipped and reported (a plan failure naming them, exit 1), the valid ones copied
const SKIPPING: Array<Case & { readonly copied: string }> = [
  {
    scenario: 'hostile-tags',
    source: 'repository',
    copied: 'stolen/hostile-tags',
    says: /skipped 6 listed name\(s\) that are not valid: "\.\.", "\.", "a\\nb", "\\u001b\[31mred", "-x" and 1 more/,
  },
  {
    scenario: 'hostile-catalog',
    source: 'catalog',
    copied: 'stolen/hostile-catalog/hostile/app',
    says: /skipped 7 listed name\(s\) that are not valid: "\.\.\/\.\.\/etc", "a\/\.\.\/\.\.\/b", "%2e%2e\/x", "foo\\nbar", "\/abs" and 2 more/,
  },
];

describe('a hostile registry cannot make a run read or loop without end', () => {
  let real: RunningRegistry;
  let dir: string;

  before(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'it-hostile-reg-'));
    real = await startRegistry({ mode: 'plain' });
    await pushImage(real, 'good/other', 'v1', { format: 'oci', layers: [{ seed: 'good-other', size: 50_000 }] });
  });
  after(async () => {
    await real?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the CLI with one rule from the hostile registry and one between well-behaved ones. */
  async function migrate(hostile: HostileRegistry, c: Case, name: string): Promise<CliRun> {
    const security = join(dir, `${name}.security.yaml`);
    writeFileSync(
      security,
      yaml.dump({ [real.host]: { insecure: true }, [hostile.host]: { username: AUTH.username, password: AUTH.password, insecure: true } }),
    );
    const rules = join(dir, `${name}.rule.yaml`);
    const from = `${hostile.host}/${hostile.image.repository}`;
    const unaffected = `${real.host}/unaffected/${name}`;
    if (c.source === 'catalog') {
      writeFileSync(
        rules,
        yaml.dump({
          version: 2,
          rules: [
            { source: hostile.host, target: `${real.host}/stolen/${name}` },
            { source: `${real.host}/good/other`, target: unaffected, tags: { list: ['v1'] } },
          ],
        }),
      );
    } else {
      writeFileSync(
        rules,
        yaml.dump({
          [c.source === 'tag' ? `${from}:${hostile.image.tag}` : from]: `${real.host}/stolen/${name}`,
          [`${real.host}/good/other:v1`]: `${unaffected}:v1`,
        }),
      );
    }
    return runCli([`--securityFile=${security}`, `--ruleFile=${rules}`, `--report-dir=${dir}/reports`, '--retry=0'], {
      env: { DOCKER_CONFIG: '/nonexistent' },
      killAfterMs: BOUND_MS,
    });
  }

  for (const c of FAILING) {
    it(`${c.scenario}: ends by itself, exit 1 naming the image and registry, no tag, the rest copied`, { timeout: BOUND_MS + 20_000 }, async () => {
      const hostile = await startHostileRegistry({ scenario: c.scenario, auth: AUTH });
      try {
        const started = Date.now();
        const run = await migrate(hostile, c, c.scenario);
        const out = run.stdout + run.stderr;
        console.log(`${c.scenario}: ${Date.now() - started} ms, peak RSS ${Math.round(run.peakRssKiB / 1024)} MiB`);
        assert.equal(run.signal, null, `ended by itself within ${BOUND_MS / 1000} s:\n${out.slice(-3000)}`);
        assert.ok(run.peakRssKiB < RSS_BOUND_KIB, `peak RSS ${run.peakRssKiB} KiB`);
        assert.equal(run.code, 1, out);
        assert.match(run.stdout, new RegExp(`FAILED .*${hostile.host}(/${hostile.image.repository})?`), out);
        assert.match(out, c.says, out);
        assert.match(run.stdout, /succeeded 1, /, out);
        assert.equal((await getManifestRaw(real, `stolen/${c.scenario}`, hostile.image.tag)).status, 404, 'no tag written');
        assert.equal((await getManifestRaw(real, `unaffected/${c.scenario}`, 'v1')).status, 200, 'the other rule was copied');
        const strays = hostile.requests.filter((r) => !/^\/(v2\/(_catalog|hostile\/app\/)|token)/.test(r.url) && r.url !== '/v2/');
        assert.deepEqual(strays, [], 'no request outside the listed repository');
      } finally {
        await hostile.stop();
      }
    });
  }

  for (const c of SKIPPING) {
    it(`${c.scenario}: skips and reports the invalid names (exit 1), copies the valid ones, never requests an invalid name`, {
      timeout: BOUND_MS + 20_000,
    }, async () => {
      const hostile = await startHostileRegistry({ scenario: c.scenario, auth: AUTH });
      try {
        const run = await migrate(hostile, c, c.scenario);
        const out = run.stdout + run.stderr;
        assert.equal(run.signal, null, `ended by itself within ${BOUND_MS / 1000} s:\n${out.slice(-3000)}`);
        assert.equal(run.code, 1, out);
        assert.match(out, c.says, out);
        assert.match(run.stdout, /succeeded 2, skipped 0, failed 0, plan failures 1/, out);
        assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(out), 'no raw control character in the output');
        assert.equal((await getManifestRaw(real, c.copied, hostile.image.tag)).digest, hostile.image.digest, 'the valid name was copied');
        const reportDir = run.stdout.match(/report: (.+)\/report\.html/)?.[1];
        assert.ok(reportDir, out);
        const failed = await loadRuleFile(join(reportDir, 'failed.yaml'), {});
        assert.equal(failed.length, 1, 'failed.yaml is a valid rule file holding the rule that listed the invalid names');
        assert.equal((await getManifestRaw(real, `unaffected/${c.scenario}`, 'v1')).status, 200, 'the other rule was copied');
        const strays = hostile.requests.filter((r) => !/^\/(v2\/(_catalog|hostile\/app\/)|token)/.test(r.url) && r.url !== '/v2/');
        assert.deepEqual(strays, [], 'no request outside the valid repository');
      } finally {
        await hostile.stop();
      }
    });
  }

  it('index-dag-repeat: an index whose entries repeat one child is walked once per digest and copied', { timeout: BOUND_MS + 20_000 }, async () => {
    const hostile = await startHostileRegistry({ scenario: 'index-dag-repeat', auth: AUTH });
    try {
      const c: Case = { scenario: 'index-dag-repeat', source: 'tag', says: /./ };
      const run = await migrate(hostile, c, c.scenario);
      const out = run.stdout + run.stderr;
      assert.equal(run.signal, null, `ended by itself within ${BOUND_MS / 1000} s:\n${out.slice(-3000)}`);
      assert.equal(run.code, 0, out);
      const gets = hostile.requests.filter((r) => r.method === 'GET' && r.url.includes('/manifests/')).length;
      assert.ok(gets <= 6, `${gets} manifest GETs for 6 manifests`);
      assert.equal((await getManifestRaw(real, 'stolen/index-dag-repeat', 'v1')).digest, hostile.image.digest);
    } finally {
      await hostile.stop();
    }
  });
});
