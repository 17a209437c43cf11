import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RegistryPool } from '../../../lib/registry/index.js';
import { ConfigError } from '../../../lib/rules/index.js';
import { CredentialHelperError, envKey, loadSecurityFile, secretsOf, type CredentialStore, type RegistryAccess } from '../../../lib/credentials/index.js';
import { redact } from '../../../lib/util/redact.js';
import { fakeHelperBin } from '../../support/cred-helpers/bin.js';

const dir = mkdtempSync(join(tmpdir(), 'unit-auth-sources-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = fakeHelperBin(dir);

let counter = 0;
const write = (name: string, body: unknown): string => {
  const path = join(dir, `${(counter += 1)}-${name}`);
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
};
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const noDocker = join(dir, 'absent-config.json');

interface Setup {
  security?: string;
  env?: Record<string, string>;
  docker?: unknown;
  timeoutMs?: number;
}
const store = async ({ security, env = {}, docker, timeoutMs }: Setup = {}): Promise<CredentialStore> =>
  loadSecurityFile(security === undefined ? undefined : write('security.yaml', security), {
    env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, ...env },
    dockerConfigPath: docker === undefined ? noDocker : write('config.json', docker),
    ...(timeoutMs ? { helperTimeoutMs: timeoutMs } : {}),
  });

/** The credentials a lookup gives, running the helpers when they decide. */
async function credentialsOf(s: CredentialStore, registry: string, repository: string): Promise<Omit<RegistryAccess, 'insecure' | 'deferred'>> {
  const { deferred, insecure: _i, ca: _c, ...own } = s.lookup(registry, repository);
  return deferred ? deferred() : own;
}

async function configError(setup: Setup): Promise<ConfigError> {
  const err = await store(setup).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
  return err;
}

async function helperError(promise: Promise<unknown>): Promise<CredentialHelperError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof CredentialHelperError, `expected a CredentialHelperError, got ${String(err)}`);
  return err;
}

const logLines = (path: string): string[] => {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

describe('auth sources: environment variables', () => {
  it('names a key by upper-casing host[:port][/path] with "_" for other characters', () => {
    assert.equal(envKey(['reg.io:5000', 'team']), 'REG_IO_5000_TEAM');
    assert.equal(envKey(['docker.io', 'library', 'nginx']), 'DOCKER_IO_LIBRARY_NGINX');
    assert.equal(envKey(['my-reg.example.com', 'a_b', 'c-d']), 'MY_REG_EXAMPLE_COM_A_B_C_D');
  });

  it('reads the three forms and takes the longest matching key', async () => {
    const s = await store({
      env: {
        IMAGE_TRANSFER_AUTH_REG_IO: 'host-user:host:pass',
        IMAGE_TRANSFER_USERNAME_REG_IO_TEAM: 'team-user',
        IMAGE_TRANSFER_PASSWORD_REG_IO_TEAM: 'team-pass',
        IMAGE_TRANSFER_TOKEN_REG_IO_TEAM_APP: 'app-token',
        IMAGE_TRANSFER_AUTH_DOCKER_IO: 'hub:hub-pass',
      },
    });
    assert.deepEqual(s.lookup('reg.io', 'other/app'), { username: 'host-user', password: 'host:pass', insecure: false });
    assert.deepEqual(s.lookup('reg.io', 'team/tools'), { username: 'team-user', password: 'team-pass', insecure: false });
    assert.deepEqual(s.lookup('reg.io', 'team/app'), { token: 'app-token', insecure: false });
    assert.deepEqual(s.lookup('reg.io', 'team/app/sub'), { token: 'app-token', insecure: false });
    assert.equal(s.lookup('reg.io', 'teamx/app').username, 'host-user');
    assert.equal(s.lookup('index.docker.io', 'library/nginx').username, 'hub');
    assert.deepEqual(s.lookup('ghcr.io', 'o/r'), { insecure: false });
    assert.deepEqual(secretsOf(s).sort(), ['app-token', 'host:pass', 'hub-pass', 'team-pass']);
    assert.equal(redact('x team-pass y'), 'x *** y');
  });

  it('refuses malformed variables, all at once, naming the variable and never the value', async () => {
    const err = await configError({
      env: {
        IMAGE_TRANSFER_AUTH_REG_IO: 'no-colon-hunter2',
        IMAGE_TRANSFER_AUTH_reg_io: 'u:hunter2',
        IMAGE_TRANSFER_USERNAME_A_IO: 'only-user',
        IMAGE_TRANSFER_PASSWORD_B_IO: 'hunter2-only-pass',
        IMAGE_TRANSFER_TOKEN_C_IO: '',
        IMAGE_TRANSFER_AUTH_D_IO: 'u:hunter2',
        IMAGE_TRANSFER_TOKEN_D_IO: 'hunter2-token',
        IMAGE_TRANSFER_AUTH_E_IO: ':hunter2',
      },
    });
    assert.deepEqual(err.issues.map((i) => i.key).sort(), [
      'IMAGE_TRANSFER_AUTH_D_IO',
      'IMAGE_TRANSFER_AUTH_E_IO',
      'IMAGE_TRANSFER_AUTH_REG_IO',
      'IMAGE_TRANSFER_AUTH_reg_io',
      'IMAGE_TRANSFER_PASSWORD_B_IO',
      'IMAGE_TRANSFER_TOKEN_C_IO',
      'IMAGE_TRANSFER_USERNAME_A_IO',
    ]);
    assert.match(err.message, /^environment: IMAGE_TRANSFER_AUTH_REG_IO: expected <username>:<password> \(the value is not shown\)$/m);
    assert.match(err.message, /IMAGE_TRANSFER_AUTH_reg_io: "reg_io" is not a registry key/);
    assert.match(err.message, /IMAGE_TRANSFER_USERNAME_A_IO: has no IMAGE_TRANSFER_PASSWORD_A_IO/);
    assert.match(err.message, /IMAGE_TRANSFER_PASSWORD_B_IO: has no IMAGE_TRANSFER_USERNAME_B_IO/);
    assert.match(err.message, /IMAGE_TRANSFER_TOKEN_C_IO: is empty/);
    assert.match(err.message, /IMAGE_TRANSFER_AUTH_D_IO: conflicts with IMAGE_TRANSFER_TOKEN_D_IO/);
    assert.ok(!err.message.includes('hunter2') && !err.message.includes('only-user'), err.message);
  });

  it('reports bad variables together with the security file problems', async () => {
    const err = await configError({ security: 'reg.io:\n  pasword: x\n', env: { IMAGE_TRANSFER_TOKEN_X: '' } });
    assert.deepEqual(
      err.issues.map((i) => i.key),
      ['reg.io.pasword', 'IMAGE_TRANSFER_TOKEN_X'],
    );
  });
});

describe('auth sources: REGISTRY_AUTH_FILE', () => {
  it('reads auths with repository paths by longest prefix', async () => {
    const authFile = write('auth.json', {
      auths: {
        'reg.io': { auth: b64('host:host-p') },
        'reg.io/a': { auth: b64('user-a:pass-a') },
        'reg.io/b/app': { username: 'user-b', password: 'pass-b' },
        'other.io': {},
      },
    });
    const s = await store({ env: { REGISTRY_AUTH_FILE: authFile } });
    assert.equal(s.lookup('reg.io', 'a/x').username, 'user-a');
    assert.equal(s.lookup('reg.io', 'b/app').username, 'user-b');
    assert.equal(s.lookup('reg.io', 'b/other').username, 'host');
    assert.deepEqual(s.lookup('other.io', 'x'), { insecure: false });
    assert.deepEqual(secretsOf(s).sort(), ['host-p', 'pass-a', 'pass-b']);
  });

  it('refuses a missing, malformed or undecodable file, naming the variable and the key', async () => {
    const missing = await configError({ env: { REGISTRY_AUTH_FILE: join(dir, 'nope.json') } });
    assert.match(missing.message, /nope\.json \(REGISTRY_AUTH_FILE\): file not found/);
    const bad = await configError({ env: { REGISTRY_AUTH_FILE: write('bad.json', '{"auths": {"reg.io": {"auth": "hunter2') } });
    assert.match(bad.message, /bad\.json \(REGISTRY_AUTH_FILE\): not valid JSON/);
    const shape = await configError({
      env: { REGISTRY_AUTH_FILE: write('shape.json', { auths: { 'reg.io': { auth: b64('hunter2-no-colon') }, 'x.io': 'hunter2' } }) },
    });
    assert.match(shape.message, /REGISTRY_AUTH_FILE\): auths\.reg\.io: auth is not the base64 of "username:password"/);
    assert.match(shape.message, /REGISTRY_AUTH_FILE\): auths\.x\.io: expected/);
    for (const e of [bad, shape]) assert.ok(!e.message.includes('hunter2'), e.message);
  });
});

describe('auth sources: precedence', () => {
  it('security file > environment > REGISTRY_AUTH_FILE > docker config > anonymous, first source with credentials wins', async () => {
    const security = 'reg.io:\n  insecure: true\nreg.io/file:\n  username: from-file\n  password: p-file\n';
    const env = {
      IMAGE_TRANSFER_AUTH_REG_IO_FILE: 'from-env:p',
      IMAGE_TRANSFER_AUTH_REG_IO_ENV: 'from-env:p',
      REGISTRY_AUTH_FILE: write('auth.json', {
        auths: { 'reg.io/env': { auth: b64('from-auth-file:p') }, 'reg.io/authfile': { auth: b64('from-auth-file:p') } },
      }),
    };
    const docker = { auths: { 'reg.io': { auth: b64('from-docker:p') } } };
    const s = await store({ security, env, docker });
    assert.deepEqual(s.lookup('reg.io', 'file/x'), { username: 'from-file', password: 'p-file', insecure: true });
    assert.equal(s.lookup('reg.io', 'env/x').username, 'from-env');
    assert.equal(s.lookup('reg.io', 'authfile/x').username, 'from-auth-file');
    assert.deepEqual(s.lookup('reg.io', 'else/x'), { username: 'from-docker', password: 'p', insecure: true });
    assert.deepEqual(s.lookup('ghcr.io', 'x'), { insecure: false });
  });

  it('a host key of a stronger source beats a repository key of a weaker one', async () => {
    const s = await store({ security: 'reg.io:\n  username: host\n  password: p\n', env: { IMAGE_TRANSFER_AUTH_REG_IO_TEAM: 'team:p' } });
    assert.equal(s.lookup('reg.io', 'team/x').username, 'host');
  });
});

describe('auth sources: docker credential helpers', () => {
  const creds = { FAKE_HELPER_USER: 'helper-user', FAKE_HELPER_SECRET: 'helper-s3cret-v4lue' };

  it('credHelpers > credsStore > auths, a helper without credentials passing on', async () => {
    const docker = {
      credHelpers: { 'reg.io': 'fake', 'nf.io': 'fake-notfound' },
      credsStore: 'fake-notfound',
      auths: { 'nf.io': { auth: b64('file-user:file-p') }, 'reg.io': { auth: b64('file-user:file-p') } },
    };
    const s = await store({ docker, env: creds });
    assert.deepEqual(await credentialsOf(s, 'reg.io', 'x'), { username: 'helper-user', password: 'helper-s3cret-v4lue' });
    assert.deepEqual(await credentialsOf(s, 'nf.io', 'x'), { username: 'file-user', password: 'file-p' });
    assert.deepEqual(await credentialsOf(s, 'none.io', 'x'), {});
    const store2 = await store({ docker: { credsStore: 'fake', auths: { 'reg.io': { auth: b64('file-user:file-p') } } }, env: creds });
    assert.equal((await credentialsOf(store2, 'reg.io', 'x')).username, 'helper-user');
  });

  it('runs lazily, once per helper and registry, concurrent callers sharing the run; registers the secret', async () => {
    const log = join(dir, `calls-${(counter += 1)}.log`);
    const s = await store({
      docker: { credHelpers: { 'reg.io': 'fake', 'two.io': 'fake' } },
      env: { ...creds, FAKE_HELPER_SECRET: 'once-s3cret', FAKE_HELPER_LOG: log },
    });
    const first = s.lookup('reg.io', 'a/x');
    assert.equal(first.username, undefined);
    assert.equal(typeof first.deferred, 'function');
    assert.equal(s.lookup('reg.io', 'b/y').deferred, first.deferred, 'one function per registry: one client');
    assert.deepEqual(logLines(log), [], 'nothing runs before credentials are needed');
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => s.lookup('reg.io', `r${i}`).deferred!()));
    assert.ok(answers.every((a) => a.password === 'once-s3cret'));
    await credentialsOf(s, 'reg.io', 'again');
    assert.deepEqual(logLines(log), ['docker-credential-fake reg.io']);
    await credentialsOf(s, 'two.io', 'x');
    assert.deepEqual(logLines(log), ['docker-credential-fake reg.io', 'docker-credential-fake two.io']);
    assert.equal(redact('token once-s3cret'), 'token ***');
  });

  it('asks for the server URL spellings docker stores', async () => {
    const log = join(dir, `calls-${(counter += 1)}.log`);
    const env = { ...creds, FAKE_HELPER_LOG: log, FAKE_HELPER_SERVER: 'https://reg.io:5000' };
    const s = await store({ docker: { credsStore: 'fake' }, env });
    assert.equal((await credentialsOf(s, 'reg.io:5000', 'x')).username, 'helper-user');
    assert.deepEqual(logLines(log), ['docker-credential-fake reg.io:5000', 'docker-credential-fake https://reg.io:5000']);
    const hub = await store({ docker: { credsStore: 'fake' }, env: { ...env, FAKE_HELPER_SERVER: 'https://index.docker.io/v1/' } });
    assert.equal((await credentialsOf(hub, 'registry-1.docker.io', 'library/x')).username, 'helper-user');
    assert.equal(logLines(log).at(-1), 'docker-credential-fake https://index.docker.io/v1/');
  });

  it('comes after the security file, the environment and REGISTRY_AUTH_FILE', async () => {
    const log = join(dir, `calls-${(counter += 1)}.log`);
    const env = {
      ...creds,
      FAKE_HELPER_LOG: log,
      IMAGE_TRANSFER_AUTH_REG_IO_ENV: 'env:p',
      REGISTRY_AUTH_FILE: write('auth.json', { auths: { 'reg.io/af': { auth: b64('af:p') } } }),
    };
    const s = await store({ security: 'reg.io/file:\n  username: file\n  password: p\n', env, docker: { credHelpers: { 'reg.io': 'fake' } } });
    assert.equal(s.lookup('reg.io', 'file/x').username, 'file');
    assert.equal(s.lookup('reg.io', 'env/x').username, 'env');
    assert.equal(s.lookup('reg.io', 'af/x').username, 'af');
    assert.equal((await credentialsOf(s, 'reg.io', 'other/x')).username, 'helper-user');
    assert.deepEqual(logLines(log), ['docker-credential-fake reg.io']);
  });

  it('takes credHelpers from REGISTRY_AUTH_FILE too, by repository path', async () => {
    const env = { ...creds, REGISTRY_AUTH_FILE: write('auth.json', { credHelpers: { 'reg.io/team': 'fake' }, auths: { 'reg.io': { auth: b64('af:p') } } }) };
    const s = await store({ env });
    assert.equal((await credentialsOf(s, 'reg.io', 'team/x')).username, 'helper-user');
    assert.equal(s.lookup('reg.io', 'other/x').username, 'af');
  });

  const failures: Array<[string, string, RegExp]> = [
    ['a missing helper', 'nope', /^credential helper docker-credential-nope \(for reg\.io\): is not installed \(no docker-credential-nope on PATH\)$/],
    ['output that is not JSON', 'fake-garbage', /docker-credential-fake-garbage \(for reg\.io\): answered with something that is not JSON/],
    ['a failing helper', 'fake-fail', /docker-credential-fake-fail \(for reg\.io\): failed with exit status 3/],
    ['an identity token', 'fake-identity', /docker-credential-fake-identity \(for reg\.io\): answered with an identity token/],
    ['a slow helper', 'fake-slow', /docker-credential-fake-slow \(for reg\.io\): did not answer within 0\.3 s/],
    ['a name with a path', '../fake', /docker-credential-\.\.\/fake \(for reg\.io\): is not a valid helper name/],
  ];
  for (const [what, helper, expected] of failures) {
    it(`fails clearly on ${what}, without the helper's output`, async () => {
      const log = join(dir, `calls-${(counter += 1)}.log`);
      // only the slow helper meets the short time limit: a busy machine may take longer than that to start the others
      const s = await store({
        docker: { credHelpers: { 'reg.io': helper } },
        env: { ...creds, FAKE_HELPER_SECRET: 'leaky-hunter2', FAKE_HELPER_LOG: log },
        timeoutMs: helper === 'fake-slow' ? 300 : 10_000,
      });
      const started = Date.now();
      const err = await helperError(credentialsOf(s, 'reg.io', 'x'));
      assert.ok(Date.now() - started < 5_000, 'a slow helper is cut off');
      assert.match(err.message, expected);
      assert.equal(err.code, 'CREDENTIAL_HELPER');
      assert.ok(!err.message.includes('hunter2'), err.message);
      const again = await helperError(credentialsOf(s, 'reg.io', 'y'));
      assert.equal(again, err, 'a failure is cached too');
      assert.ok(logLines(log).length <= 1, 'the helper ran at most once');
    });
  }
});

describe('registry pool: credential functions', () => {
  it('keys clients by the identity of a credential function', async () => {
    const one = async () => ({ username: 'u', password: 'p' });
    const two = async () => ({ username: 'u', password: 'p' });
    const pool = new RegistryPool((_registry, repository) => ({ credentials: repository.startsWith('a/') ? one : two }));
    try {
      assert.equal(pool.client('reg.io', 'a/x'), pool.client('reg.io', 'a/y'));
      assert.notEqual(pool.client('reg.io', 'a/x'), pool.client('reg.io', 'b/x'));
      assert.equal(pool.client('reg.io', 'b/x'), pool.client('reg.io', 'b/z'));
    } finally {
      await pool.close();
    }
  });
});
