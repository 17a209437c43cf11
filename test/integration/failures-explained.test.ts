import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { FAILURES, type FailureKind, RunReport } from '../../lib/report/index.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { pushImage } from '../support/images.js';
import { freePort } from '../support/ports.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

// The common mistakes come out as a cause and a fix from the catalogue (lib/report/failures.ts), in the
// log line, the FAILED list and report.json, never as a bare transport error; and never with a secret.

const SECRET = 'testpass';
const WRONG = 'wrong-password-9f3k';

describe('every common failure is explained: a cause and a fix', () => {
  let plain: RunningRegistry;
  let tls: RunningRegistry;
  let dir: string;

  before(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'it-failures-'));
    [plain, tls] = await Promise.all([startRegistry({ mode: 'plain' }), startRegistry({ mode: 'htpasswd+tls' })]);
    await pushImage(plain, 'team/app', 'v1', { format: 'oci', layers: [{ seed: 'explained', size: 20_000 }] });
  });
  after(async () => {
    await Promise.all([plain?.stop(), tls?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(name: string, security: Record<string, unknown>, rules: Record<string, string>) {
    const s = join(dir, `${name}.security.yaml`);
    const r = join(dir, `${name}.rule.yaml`);
    writeFileSync(s, yaml.dump(security));
    writeFileSync(r, yaml.dump(rules));
    const out = await runCli([`--securityFile=${s}`, `--ruleFile=${r}`, `--report-dir=${dir}/reports`, '--retry=0'], {
      env: { REG_PASSWORD: SECRET, WRONG_PASSWORD: WRONG, DOCKER_CONFIG: '/nonexistent' },
      killAfterMs: 120_000,
    });
    const reportDir = out.stdout.match(/report: (.+)\/report\.html/)?.[1];
    assert.ok(reportDir, out.stdout + out.stderr);
    const report = RunReport.parse(JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')));
    return { ...out, report, all: `${out.stdout}${out.stderr}${readFileSync(join(reportDir, 'report.md'), 'utf8')}` };
  }

  function expectExplained(result: Awaited<ReturnType<typeof run>>, kind: FailureKind, registry: string): void {
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const error = result.report.results.find((r) => r.status === 'failed')?.error ?? result.report.planFailures[0]?.error;
    assert.equal(error?.hint?.kind, kind, JSON.stringify(error));
    const fix = FAILURES[kind].fix.replaceAll('{registry}', registry);
    assert.ok(result.stdout.includes(`fix: ${fix}`), `the summary says the fix:\n${result.stdout}`);
    assert.ok(result.stderr.includes(`fix: ${fix}`), `the log line says the fix:\n${result.stderr}`);
    for (const secret of [SECRET, WRONG, Buffer.from(`testuser:${WRONG}`).toString('base64')]) assert.ok(!result.all.includes(secret), 'no secret');
  }

  it('a wrong password: CREDENTIALS_REFUSED, naming the registry', async () => {
    const r = await run(
      'wrong-password',
      { [plain.host]: { insecure: true }, [tls.host]: { username: 'testuser', password: '${WRONG_PASSWORD}', caFile: tls.ca } },
      { [`${plain.host}/team/app:v1`]: `${tls.host}/x/app:v1` },
    );
    expectExplained(r, 'CREDENTIALS_REFUSED', tls.host);
  });

  it('a plain-http registry without insecure: PLAIN_HTTP_REGISTRY', async () => {
    const r = await run('plain-http', {}, { [`${plain.host}/team/app:v1`]: `${plain.host}/y/app:v1` });
    expectExplained(r, 'PLAIN_HTTP_REGISTRY', plain.host);
  });

  it('a TLS registry whose CA is not given: UNKNOWN_CA', async () => {
    const r = await run(
      'unknown-ca',
      { [plain.host]: { insecure: true }, [tls.host]: { username: 'testuser', password: '${REG_PASSWORD}' } },
      { [`${plain.host}/team/app:v1`]: `${tls.host}/z/app:v1` },
    );
    expectExplained(r, 'UNKNOWN_CA', tls.host);
  });

  it('a registry that is not running: CONNECTION_REFUSED', async () => {
    const down = `127.0.0.1:${await freePort()}`;
    const r = await run('refused', { [plain.host]: { insecure: true }, [down]: { insecure: true } }, { [`${plain.host}/team/app:v1`]: `${down}/w/app:v1` });
    expectExplained(r, 'CONNECTION_REFUSED', down);
  });

  it('a tag that does not exist at the source: NOT_FOUND_AT_SOURCE', async () => {
    const r = await run('missing', { [plain.host]: { insecure: true } }, { [`${plain.host}/team/app:v9`]: `${plain.host}/v/app:v9` });
    expectExplained(r, 'NOT_FOUND_AT_SOURCE', plain.host);
  });
});
