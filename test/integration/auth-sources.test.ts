import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { envKey } from '../../lib/credentials/index.js';
import { ensureBuilt, runCli, type CliRun } from '../support/cli.js';
import { fakeHelperBin } from '../support/cred-helpers/bin.js';
import { getManifestRaw, pushImage, type PushedImage } from '../support/images.js';
import { ensurePki } from '../support/pki.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { startTokenServer, type RunningTokenServer } from '../support/token-server.js';

const USERS = { root: 'root-pw-7c1d', alice: 'alice-pw-3f9a', bob: 'bob-pw-8e2b', helperuser: 'helper-s3cret-51aa' };
const SECRETS = Object.values(USERS);
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('auth sources through the CLI: per-repository credentials and credential helpers', () => {
  let src: RunningRegistry;
  let dst: RunningRegistry;
  let tokens: RunningTokenServer;
  let dir: string;
  let bin: string;
  const img: Record<string, PushedImage> = {};
  let n = 0;

  const write = (name: string, body: unknown): string => {
    const path = join(dir, `${(n += 1)}-${name}`);
    writeFileSync(path, typeof body === 'string' ? body : name.endsWith('.json') ? JSON.stringify(body) : yaml.dump(body));
    return path;
  };
  /** TLS settings only, so credentials come from the source under test. */
  const security = (extra: Record<string, unknown> = {}): string =>
    write('security.yaml', { [src.host]: { insecure: true }, [dst.host]: { caFile: dst.ca }, ...extra });
  /** Copies team/x to a/<run>/x and team/y to b/<run>/y: alice may only touch a/…, bob only b/…. */
  const rules = (run: string): string =>
    write('rule.yaml', { [`${src.host}/team/x:v1`]: `${dst.host}/a/${run}/x:v1`, [`${src.host}/team/y:v1`]: `${dst.host}/b/${run}/y:v1` });
  const run = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
    runCli([...args, `--report-dir=${dir}/reports`], {
      env: { DOCKER_CONFIG: join(dir, 'no-docker'), REGISTRY_AUTH_FILE: '', PATH: `${bin}:${process.env.PATH ?? ''}`, ...env },
    });
  const copied = async (repo: string, image: PushedImage): Promise<boolean> =>
    (await getManifestRaw({ ...dst, auth: { username: 'root', password: USERS.root } }, repo, 'v1')).digest === image.digest;
  const dockerConfig = (config: unknown): string => {
    const d = join(dir, `docker-${(n += 1)}`);
    mkdirSync(d);
    writeFileSync(join(d, 'config.json'), JSON.stringify(config));
    return d;
  };
  /** Users the token server saw since `from`, with the repositories each asked for. */
  const tokenUsers = (from: number): Record<string, string[]> => {
    const seen: Record<string, string[]> = {};
    for (const r of tokens.requests.slice(from)) {
      if (r.user) (seen[r.user] ??= []).push(...r.scopes.map((s) => s.split(':')[1]!));
    }
    return seen;
  };
  const noSecretIn = (outcome: CliRun, secrets: readonly string[]): void => {
    const texts = [outcome.stdout, outcome.stderr, ...reportFiles()];
    for (const secret of secrets) assert.ok(!texts.some((t) => t.includes(secret)), `a secret leaked: ${secret.slice(0, 3)}…`);
  };
  const reportFiles = (): string[] => {
    const root = join(dir, 'reports');
    let runs: string[] = [];
    try {
      runs = readdirSync(root);
    } catch {
      return [];
    }
    return runs.flatMap((r) => readdirSync(join(root, r)).map((f) => readFileSync(join(root, r, f), 'utf8')));
  };

  before(async () => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'it-auth-sources-'));
    bin = fakeHelperBin(dir);
    tokens = await startTokenServer({ pki: await ensurePki(), users: USERS, acl: { alice: ['a/'], bob: ['b/'] } });
    [src, dst] = await Promise.all([startRegistry({ mode: 'plain' }), startRegistry({ mode: 'token+tls', tokenRealm: tokens.realm })]);
    img.x = await pushImage(src, 'team/x', 'v1', { format: 'oci', layers: [{ seed: 'auth-x', size: 40_000 }] });
    img.y = await pushImage(src, 'team/y', 'v1', { format: 'docker', layers: [{ seed: 'auth-y', size: 40_000 }] });
  });
  after(async () => {
    await Promise.all([src?.stop(), dst?.stop(), tokens?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the ACL bites: one user for the whole registry copies a/… and fails b/…', async () => {
    const outcome = await run([
      `--securityFile=${security({ [dst.host]: { caFile: dst.ca, username: 'alice', password: USERS.alice } })}`,
      `--ruleFile=${rules('control')}`,
    ]);
    assert.equal(outcome.code, 1, outcome.stderr + outcome.stdout);
    assert.ok(await copied('a/control/x', img.x!));
    assert.ok(!(await copied('b/control/y', img.y!)));
    assert.match(outcome.stdout, /FAILED .*b\/control\/y:v1: .*401/);
  });

  const perRepository: Array<[string, (host: string) => { security?: Record<string, unknown>; env?: Record<string, string> }]> = [
    [
      'the security file',
      (host) => ({ security: { [`${host}/a`]: { username: 'alice', password: USERS.alice }, [`${host}/b`]: { username: 'bob', password: USERS.bob } } }),
    ],
    [
      'environment variables',
      (host) => ({
        env: {
          [`IMAGE_TRANSFER_AUTH_${envKey([host, 'a'])}`]: `alice:${USERS.alice}`,
          [`IMAGE_TRANSFER_USERNAME_${envKey([host, 'b'])}`]: 'bob',
          [`IMAGE_TRANSFER_PASSWORD_${envKey([host, 'b'])}`]: USERS.bob,
        },
      }),
    ],
    [
      'REGISTRY_AUTH_FILE',
      (host) => ({
        env: {
          REGISTRY_AUTH_FILE: write('auth.json', {
            auths: { [`${host}/a`]: { auth: b64(`alice:${USERS.alice}`) }, [`${host}/b/`]: { auth: b64(`bob:${USERS.bob}`) } },
          }),
        },
      }),
    ],
    [
      'docker config (a helper for a/…, auths for b/…)',
      (host) => ({
        env: {
          DOCKER_CONFIG: dockerConfig({ credHelpers: { [`${host}/a`]: 'fake' }, auths: { [`${host}/b`]: { auth: b64(`bob:${USERS.bob}`) } } }),
          FAKE_HELPER_USER: 'alice',
          FAKE_HELPER_SECRET: USERS.alice,
        },
      }),
    ],
  ];
  perRepository.forEach(([source, setup], i) => {
    it(`gives each repository its own credentials from ${source}`, async () => {
      const { security: extra = {}, env = {} } = setup(dst.host);
      const from = tokens.requests.length;
      const outcome = await run([`--securityFile=${security(extra)}`, `--ruleFile=${rules(`r${i}`)}`, '--log-level=debug'], env);
      assert.equal(outcome.code, 0, outcome.stderr + outcome.stdout);
      const users = tokenUsers(from);
      assert.ok(await copied(`a/r${i}/x`, img.x!), 'a/… copied');
      assert.ok(await copied(`b/r${i}/y`, img.y!), 'b/… copied');
      assert.deepEqual(Object.keys(users).sort(), ['alice', 'bob']);
      assert.ok(users.alice!.every((repo) => repo.startsWith('a/')) && users.bob!.every((repo) => repo.startsWith('b/')), JSON.stringify(users));
      noSecretIn(outcome, SECRETS);
    });
  });

  it('asks credsStore once per registry, lazily, and never shows the helper secret or stderr', async () => {
    const log = join(dir, 'helper.log');
    const env = {
      DOCKER_CONFIG: dockerConfig({ credsStore: 'fake-leak' }),
      FAKE_HELPER_USER: 'helperuser',
      FAKE_HELPER_SECRET: USERS.helperuser,
      FAKE_HELPER_LOG: log,
    };
    const outcome = await run([`--securityFile=${security()}`, `--ruleFile=${rules('store')}`, '--log-level=debug'], env);
    assert.equal(outcome.code, 0, outcome.stderr + outcome.stdout);
    assert.ok((await copied('a/store/x', img.x!)) && (await copied('b/store/y', img.y!)));
    const calls = readFileSync(log, 'utf8').trim().split('\n').sort();
    assert.deepEqual(calls, [`docker-credential-fake-leak ${dst.host}`, `docker-credential-fake-leak ${src.host}`].sort());
    noSecretIn(outcome, SECRETS);
  });

  const helperFailures: Array<[string, string, RegExp]> = [
    ['is missing', 'nope', /credential helper docker-credential-nope \(for 127\.0\.0\.1:\d+\): is not installed/],
    ['answers garbage', 'fake-garbage', /credential helper docker-credential-fake-garbage \(for 127\.0\.0\.1:\d+\): answered with something that is not JSON/],
    ['fails', 'fake-fail', /credential helper docker-credential-fake-fail \(for 127\.0\.0\.1:\d+\): failed with exit status 3/],
  ];
  for (const [what, helper, expected] of helperFailures) {
    it(`names the helper and the registry when the helper ${what}, without its output`, async () => {
      const env = { DOCKER_CONFIG: dockerConfig({ credHelpers: { [dst.host]: helper } }), FAKE_HELPER_SECRET: USERS.helperuser };
      const outcome = await run([`--securityFile=${security()}`, `--ruleFile=${rules(`bad-${helper}`)}`], env);
      // helpers of the rules' registries run before planning: a broken one is bad input (exit 2), nothing copied
      assert.equal(outcome.code, 2, outcome.stderr + outcome.stdout);
      assert.doesNotMatch(outcome.stdout, /report:/, 'nothing ran, so no report');
      assert.match(outcome.stdout + outcome.stderr, expected);
      assert.ok((outcome.stdout + outcome.stderr).includes(dst.host));
      noSecretIn(outcome, SECRETS);
    });
  }

  it('refuses a malformed variable (exit 2), naming it and not its value', async () => {
    const name = `IMAGE_TRANSFER_AUTH_${envKey([dst.host])}`;
    const outcome = await run([`--securityFile=${security()}`, `--ruleFile=${rules('badenv')}`], {
      [name]: USERS.alice,
      IMAGE_TRANSFER_USERNAME_REG_IO: 'someone',
    });
    assert.equal(outcome.code, 2, outcome.stderr + outcome.stdout);
    assert.match(outcome.stderr, new RegExp(`environment: ${name}: expected <username>:<password>`));
    assert.match(outcome.stderr, /environment: IMAGE_TRANSFER_USERNAME_REG_IO: has no IMAGE_TRANSFER_PASSWORD_REG_IO/);
    assert.ok(!outcome.stderr.includes('someone'));
    noSecretIn(outcome, SECRETS);
  });

  it('refuses a REGISTRY_AUTH_FILE that does not exist or is not JSON (exit 2)', async () => {
    const missing = await run([`--securityFile=${security()}`, `--ruleFile=${rules('noauth')}`], { REGISTRY_AUTH_FILE: join(dir, 'absent.json') });
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /absent\.json \(REGISTRY_AUTH_FILE\): file not found/);
    const broken = await run([`--securityFile=${security()}`, `--ruleFile=${rules('badauth')}`], {
      REGISTRY_AUTH_FILE: write('auth.json', `{"auths": {"x.io": {"auth": "${USERS.bob}`),
    });
    assert.equal(broken.code, 2, broken.stderr);
    assert.match(broken.stderr, /auth\.json \(REGISTRY_AUTH_FILE\): not valid JSON/);
    noSecretIn(broken, SECRETS);
  });
});
