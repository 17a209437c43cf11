import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { envKey } from '../../lib/credentials/index.js';
import { keyPath } from '../../lib/credentials/credential-store.js';
import { hintFor, type FailureKind, RunReport } from '../../lib/report/index.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { startHostileRegistry, type HostileRegistry } from '../support/hostile-registry.js';
import type { HostileBehaviour } from '../support/hostile-scenarios.js';
import { pushImage } from '../support/images.js';
import { startOddTlsServer, type OddTlsServer } from '../support/odd-tls.js';
import { ensurePki } from '../support/pki.js';
import { freePort } from '../support/ports.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { startTokenServer, type RunningTokenServer } from '../support/token-server.js';

// The common mistakes come out as a cause and a fix from the catalogue (lib/report/failures.ts), in the
// log line, the FAILED list and report.json, never as a bare transport error; and never with a secret.

const SECRET = 'testpass';
const WRONG = 'wrong-password-9f3k';
const PULLER = 'pull-only-pass-7d2q';
const HOSTILE = 'hostile-pass-4k8w';
const HOSTILE_SCENARIOS = ['manifest-refused', 'rate-limited', 'storage-full'] as const satisfies readonly HostileBehaviour[];

describe('every common failure is explained: a cause and a fix', { concurrency: 4 }, () => {
  let plain: RunningRegistry;
  let tls: RunningRegistry;
  let token: RunningRegistry;
  let tokens: RunningTokenServer;
  const hostile = {} as Record<(typeof HOSTILE_SCENARIOS)[number], HostileRegistry>;
  const odd = {} as Record<'wrong-name' | 'expired', OddTlsServer>;
  let dir: string;

  before(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'it-failures-'));
    tokens = await startTokenServer({ pki: await ensurePki(), users: { puller: PULLER }, pullOnly: ['puller'] });
    [plain, tls, token] = await Promise.all([
      startRegistry({ mode: 'plain' }),
      startRegistry({ mode: 'htpasswd+tls' }),
      startRegistry({ mode: 'token+tls', tokenRealm: tokens.realm }),
    ]);
    for (const scenario of HOSTILE_SCENARIOS)
      hostile[scenario] = await startHostileRegistry({ scenario, auth: { username: 'hostile', password: HOSTILE }, layerSize: 1024 });
    for (const fault of ['wrong-name', 'expired'] as const) odd[fault] = await startOddTlsServer(fault);
    await pushImage(plain, 'team/app', 'v1', { format: 'oci', layers: [{ seed: 'explained', size: 20_000 }] });
  });
  after(async () => {
    await Promise.all([plain?.stop(), tls?.stop(), token?.stop(), ...Object.values(hostile).map((h) => h.stop()), ...Object.values(odd).map((o) => o.stop())]);
    await tokens?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(name: string, security: Record<string, unknown>, rules: Record<string, string>, env: Record<string, string> = {}, args: string[] = []) {
    const s = join(dir, `${name}.security.yaml`);
    const r = join(dir, `${name}.rule.yaml`);
    writeFileSync(s, yaml.dump(security));
    writeFileSync(r, yaml.dump(rules));
    const out = await runCli([`--securityFile=${s}`, `--ruleFile=${r}`, `--report-dir=${dir}/reports`, '--retry=0', ...args], {
      env: { REG_PASSWORD: SECRET, WRONG_PASSWORD: WRONG, DOCKER_CONFIG: '/nonexistent', ...env },
      killAfterMs: 120_000,
    });
    const reportDir = out.stdout.match(/report: (.+)\/report\.html/)?.[1];
    assert.ok(reportDir, out.stdout + out.stderr);
    const report = RunReport.parse(JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')));
    return { ...out, report, all: `${out.stdout}${out.stderr}${readFileSync(join(reportDir, 'report.md'), 'utf8')}` };
  }

  /** The code, the hint (with `source` where the credentials came from) in the summary, the log and report.json; no secret anywhere. */
  function expectExplained(result: Awaited<ReturnType<typeof run>>, kind: FailureKind, registry: string, source?: string) {
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const error = result.report.results.find((r) => r.status === 'failed')?.error ?? result.report.planFailures[0]?.error;
    assert.equal(error?.hint?.kind, kind, JSON.stringify(error));
    const expected = hintFor(kind, registry, source);
    assert.ok(error.hint.cause.startsWith(expected.cause), `${error.hint.cause}\n${expected.cause}`);
    assert.equal(error.hint.fix, expected.fix);
    assert.ok(result.stdout.includes(`fix: ${expected.fix}`), `the summary says the fix:\n${result.stdout}`);
    assert.ok(result.stderr.includes(`fix: ${expected.fix}`), `the log line says the fix:\n${result.stderr}`);
    const secrets = [SECRET, WRONG, PULLER, HOSTILE, ...[WRONG, PULLER, HOSTILE].map((p) => Buffer.from(`testuser:${p}`).toString('base64'))];
    for (const secret of secrets) assert.ok(!result.all.includes(secret), 'no secret');
    return error;
  }

  it('a wrong password: CREDENTIALS_REFUSED, naming the registry', async () => {
    const r = await run(
      'wrong-password',
      { [plain.host]: { insecure: true }, [tls.host]: { username: 'testuser', password: '${WRONG_PASSWORD}', caFile: tls.ca } },
      { [`${plain.host}/team/app:v1`]: `${tls.host}/x/app:v1` },
    );
    expectExplained(r, 'CREDENTIALS_REFUSED', tls.host, `the security file key "${tls.host}"`);
  });

  it('--dry-run checks each registry too: a wrong password is reported once, with the rules it stops, exit 1', async () => {
    const s = join(dir, 'dry.security.yaml');
    const r = join(dir, 'dry.rule.yaml');
    writeFileSync(s, yaml.dump({ [plain.host]: { insecure: true }, [tls.host]: { username: 'testuser', password: '${WRONG_PASSWORD}', caFile: tls.ca } }));
    const rules = {
      [`${plain.host}/team/app:v1`]: `${tls.host}/dry/a:v1`,
      [`${plain.host}/team/app`]: `${tls.host}/dry/b`,
      [`${plain.host}/team/other:v1`]: `${plain.host}/dry/c:v1`,
    };
    writeFileSync(r, yaml.dump(rules));
    const out = await runCli([`--securityFile=${s}`, `--ruleFile=${r}`, '--dry-run'], {
      env: { WRONG_PASSWORD: WRONG, DOCKER_CONFIG: '/nonexistent' },
      killAfterMs: 120_000,
    });
    assert.equal(out.code, 1, out.stdout + out.stderr);
    const lines = out.stderr.split('\n').filter((l) => l.includes('registry check failed'));
    assert.equal(lines.length, 1, `reported once:\n${out.stderr}`);
    assert.match(
      lines[0]!,
      new RegExp(`${tls.host}.*fix: correct the username and password or token in the security file key "${tls.host}"\\); 2 rule\\(s\\) not run: `),
    );
    assert.ok(lines[0]!.includes(`${plain.host}/team/app:v1 -> ${tls.host}/dry/a:v1`) && lines[0]!.includes(`-> ${tls.host}/dry/b`), lines[0]);
    assert.match(out.stdout, /plan: 1 image\(s\), 2 rule\(s\) failed to plan/, 'the rule to the other registry is still planned');
    assert.ok(!`${out.stdout}${out.stderr}`.includes(WRONG), 'no secret');
  });

  it('a wrong password from IMAGE_TRANSFER_* variables: CREDENTIALS_REFUSED, naming the variables', async () => {
    const key = envKey(keyPath(tls.host));
    const r = await run(
      'wrong-env-password',
      { [plain.host]: { insecure: true }, [tls.host]: { caFile: tls.ca } },
      { [`${plain.host}/team/app:v1`]: `${tls.host}/x/app:v1` },
      { [`IMAGE_TRANSFER_USERNAME_${key}`]: 'testuser', [`IMAGE_TRANSFER_PASSWORD_${key}`]: WRONG },
    );
    expectExplained(r, 'CREDENTIALS_REFUSED', tls.host, `the IMAGE_TRANSFER_*_${key} variables`);
  });

  it('no credentials for a registry that requires them: CREDENTIALS_MISSING', async () => {
    const r = await run(
      'no-credentials',
      { [plain.host]: { insecure: true }, [tls.host]: { caFile: tls.ca } },
      { [`${plain.host}/team/app:v1`]: `${tls.host}/x/app:v1` },
    );
    expectExplained(r, 'CREDENTIALS_MISSING', tls.host);
  });

  it('a token without push (read-only scope): NOT_ALLOWED, not a wrong password', async () => {
    const r = await run(
      'pull-only',
      { [plain.host]: { insecure: true }, [token.host]: { username: 'puller', password: PULLER, caFile: token.ca } },
      { [`${plain.host}/team/app:v1`]: `${token.host}/ro/app:v1` },
    );
    expectExplained(r, 'NOT_ALLOWED', token.host, `the security file key "${token.host}"`);
  });

  it('a registry name that does not resolve: DNS_FAILURE', async () => {
    const r = await run('dns', { [plain.host]: { insecure: true } }, { [`${plain.host}/team/app:v1`]: 'registry.invalid/dns/app:v1' });
    expectExplained(r, 'DNS_FAILURE', 'registry.invalid');
  });

  for (const [fault, kind] of [
    ['wrong-name', 'HOSTNAME_MISMATCH'],
    ['expired', 'CERTIFICATE_EXPIRED'],
  ] as const) {
    it(`a certificate that is ${fault === 'expired' ? 'expired' : 'for another name'}: ${kind}, naming caFile`, async () => {
      const r = await run(
        fault,
        { [plain.host]: { insecure: true }, [odd[fault].host]: { caFile: odd[fault].caFile } },
        {
          [`${plain.host}/team/app:v1`]: `${odd[fault].host}/tls/app:v1`,
        },
      );
      const error = expectExplained(r, kind, odd[fault].host);
      assert.match(`${error.hint!.cause} ${error.hint!.fix}`, /caFile/);
    });
  }

  for (const [scenario, kind, name, said] of [
    ['manifest-refused', 'MANIFEST_REFUSED', 'refuses the manifest type', /MANIFEST_INVALID/],
    ['storage-full', 'REGISTRY_SERVER_ERROR', 'has a full disk (500 with a body)', /no space left on device/],
  ] as const) {
    it(`a destination that ${name}: ${kind}, with what the registry said`, async () => {
      const h = hostile[scenario];
      const security = { [plain.host]: { insecure: true }, [h.host]: { username: 'hostile', password: HOSTILE, insecure: true } };
      const r = await run(scenario, security, { [`${plain.host}/team/app:v1`]: `${h.host}/${scenario}/app:v1` });
      assert.match(expectExplained(r, kind, h.host).message, said);
    });
  }

  it('an anonymous source over its pull limit (429): RATE_LIMITED, suggesting credentials, with fewer images in flight', async () => {
    const h = hostile['rate-limited'];
    const r = await run(
      'rate-limited',
      { [h.host]: { insecure: true }, [plain.host]: { insecure: true } },
      { [`${h.host}/hostile/app:v1`]: `${plain.host}/limited/app:v1` },
      {},
      ['--log-level=debug'],
    );
    const error = expectExplained(r, 'RATE_LIMITED', h.host);
    assert.match(error.hint!.fix, /credentials/);
    // invariant: a registry that pushes back gets less work: the adaptive limit halves from its start of 16
    assert.match(r.stderr, /images in flight: 8 \(push-back\)/);
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
    const error = expectExplained(r, 'NOT_FOUND_AT_SOURCE', plain.host);
    assert.match(error.hint!.cause, new RegExp(`${plain.host}/team/app has only the tag\\(s\\) v1$`), 'the tags that do exist, when few');
  });
});
