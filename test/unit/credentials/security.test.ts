import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError } from '../../../lib/rules/index.js';
import { loadSecurityFile, secretsOf, type RegistryAccess } from '../../../lib/credentials/index.js';

const dir = mkdtempSync(join(tmpdir(), 'unit-security-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
const file = (text: string, name = `s${(counter += 1)}.yaml`): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const noDocker = join(dir, 'no-docker-config.json');
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
writeFileSync(join(dir, 'ca.pem'), PEM);

const load = (text: string, env: Record<string, string | undefined> = {}) => loadSecurityFile(file(text), { env, dockerConfigPath: noDocker });

async function refusal(text: string, env: Record<string, string | undefined> = {}): Promise<ConfigError> {
  try {
    await load(text, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  return assert.fail('the security file was accepted');
}

describe('security file: lookup', () => {
  const security = [
    'reg.io:',
    '  username: host',
    '  password: p-host',
    'reg.io/ns:',
    '  username: ns',
    '  password: p-ns',
    'reg.io/ns/sub:',
    '  username: sub',
    '  password: p-sub',
    'reg.io/half:',
    '  username: only-a-username',
    'index.docker.io:',
    '  username: hub',
    '  password: p-hub',
    'tls.io:5443:',
    '  caFile: ca.pem',
    '  insecure: false',
    'tls.io:5443/team:',
    '  username: team',
    '  password: p-team',
    'plain.local:5000:',
    '  insecure: true',
    'tok.io:',
    '  token: t-0k3n',
    'empty.io:',
    '',
  ].join('\n');
  const cases: Array<[string, string, string, RegistryAccess]> = [
    ['a host key', 'reg.io', 'other/app', { username: 'host', password: 'p-host', insecure: false }],
    ['registry/namespace beats registry', 'reg.io', 'ns/app', { username: 'ns', password: 'p-ns', insecure: false }],
    ['a deeper key beats a shorter one', 'reg.io', 'ns/sub/app', { username: 'sub', password: 'p-sub', insecure: false }],
    ['matching by path components, not by string prefix', 'reg.io', 'nsx/app', { username: 'host', password: 'p-host', insecure: false }],
    ['a username without password falls back to a shorter key', 'reg.io', 'half/app', { username: 'host', password: 'p-host', insecure: false }],
    ['docker.io finds index.docker.io', 'docker.io', 'library/nginx', { username: 'hub', password: 'p-hub', insecure: false }],
    ['registry.hub.docker.com finds index.docker.io', 'registry.hub.docker.com', 'library/nginx', { username: 'hub', password: 'p-hub', insecure: false }],
    ['host names are case-insensitive', 'REG.IO', 'x/y', { username: 'host', password: 'p-host', insecure: false }],
    ['TLS settings cascade into a namespace key', 'tls.io:5443', 'team/app', { username: 'team', password: 'p-team', insecure: false, ca: PEM }],
    ['a CA without credentials', 'tls.io:5443', 'other/app', { insecure: false, ca: PEM }],
    ['insecure', 'plain.local:5000', 'x', { insecure: true }],
    ['a token', 'tok.io', 'a/b', { token: 't-0k3n', insecure: false }],
    ['an empty entry is anonymous', 'empty.io', 'a/b', { insecure: false }],
    ['an unknown registry is anonymous', 'elsewhere.io', 'x', { insecure: false }],
    ['the port is part of the host', 'plain.local:5001', 'x', { insecure: false }],
  ];
  for (const [name, registry, repository, expected] of cases) {
    it(name, async () => {
      const store = await load(security);
      assert.deepEqual(store.lookup(registry, repository), expected);
    });
  }

  it('lists the registries it names and every secret', async () => {
    const store = await load(security);
    assert.deepEqual(store.registries, ['reg.io', 'docker.io', 'tls.io:5443', 'plain.local:5000', 'tok.io', 'empty.io']);
    assert.deepEqual(secretsOf(store).sort(), ['p-host', 'p-hub', 'p-ns', 'p-sub', 'p-team', 't-0k3n']);
  });

  it('expands ${ENV} in username, password and token', async () => {
    const store = await load('reg.io:\n  username: ${U}\n  password: pre-${P}-post\ntok.io:\n  token: ${T}\n', { U: 'me', P: 'secret', T: 'tok' });
    assert.deepEqual(store.lookup('reg.io', 'a/b'), { username: 'me', password: 'pre-secret-post', insecure: false });
    assert.equal(store.lookup('tok.io', 'a/b').token, 'tok');
    assert.deepEqual(secretsOf(store).sort(), ['pre-secret-post', 'tok']);
  });

  it('accepts no security file at all, and JSON', async () => {
    const none = await loadSecurityFile(undefined, { env: {}, dockerConfigPath: noDocker });
    assert.deepEqual(none.lookup('reg.io', 'a'), { insecure: false });
    assert.deepEqual(none.registries, []);
    const json = await loadSecurityFile(file('{"reg.io": {"username": "u", "password": "p"}}', 's.json'), { env: {}, dockerConfigPath: noDocker });
    assert.equal(json.lookup('reg.io', 'a').username, 'u');
  });
});

describe('security file: docker config.json fallback', () => {
  const auths = {
    'https://index.docker.io/v1/': { auth: Buffer.from('me:tok:en').toString('base64') },
    'ghcr.io': { username: 'u', password: 'p' },
    'reg.io': { auth: Buffer.from('docker-user:docker-pass').toString('base64') },
    'broken.io': null,
    'nocolon.io': { auth: Buffer.from('nocolon').toString('base64') },
  };
  const dockerDir = join(dir, 'docker');
  mkdirSync(dockerDir, { recursive: true });
  writeFileSync(join(dockerDir, 'config.json'), JSON.stringify({ auths }));

  it('reads auths with a base64 auth or username/password', async () => {
    const store = await loadSecurityFile(undefined, { env: {}, dockerConfigPath: join(dockerDir, 'config.json') });
    assert.deepEqual(store.lookup('docker.io', 'library/x'), { username: 'me', password: 'tok:en', insecure: false });
    assert.deepEqual(store.lookup('ghcr.io', 'o/r'), { username: 'u', password: 'p', insecure: false });
    assert.deepEqual(store.lookup('broken.io', 'o/r'), { insecure: false });
    assert.deepEqual(store.lookup('nocolon.io', 'o/r'), { insecure: false });
    assert.deepEqual(store.registries, []);
    assert.deepEqual(secretsOf(store).sort(), ['docker-pass', 'p', 'tok:en']);
  });

  it('finds it through $DOCKER_CONFIG or the home directory', async () => {
    const viaEnv = await loadSecurityFile(undefined, { env: { DOCKER_CONFIG: dockerDir } });
    assert.equal(viaEnv.lookup('ghcr.io', 'o/r').username, 'u');
    const home = join(dir, 'home');
    mkdirSync(join(home, '.docker'), { recursive: true });
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { 'ghcr.io': { username: 'from-home', password: 'x' } } }));
    const viaHome = await loadSecurityFile(undefined, { env: {}, homeDir: home });
    assert.equal(viaHome.lookup('ghcr.io', 'o/r').username, 'from-home');
  });

  it('comes after the security file, and only for credentials', async () => {
    const store = await loadSecurityFile(file('reg.io:\n  insecure: true\nreg.io/own:\n  username: own\n  password: own-p\n'), {
      env: {},
      dockerConfigPath: join(dockerDir, 'config.json'),
    });
    assert.deepEqual(store.lookup('reg.io', 'own/app'), { username: 'own', password: 'own-p', insecure: true });
    assert.deepEqual(store.lookup('reg.io', 'other/app'), { username: 'docker-user', password: 'docker-pass', insecure: true });
  });

  it('ignores a malformed or missing config.json', async () => {
    writeFileSync(join(dir, 'bad-config.json'), '{"auths": "nope"');
    for (const path of [join(dir, 'bad-config.json'), join(dir, 'absent.json')]) {
      const store = await loadSecurityFile(undefined, { env: {}, dockerConfigPath: path });
      assert.deepEqual(store.lookup('ghcr.io', 'o/r'), { insecure: false });
    }
  });
});

describe('security file: errors', () => {
  const cases: Array<[string, string, RegExp, Record<string, string>?]> = [
    ['a missing env var', 'reg.io:\n  username: u\n  password: ${NOPE_PASS}\n', /:3: reg\.io\.password: environment variable NOPE_PASS is not set$/],
    ['a missing env var in the token', 'reg.io:\n  token: ${NOPE_TOKEN}\n', /reg\.io\.token: environment variable NOPE_TOKEN is not set/],
    [
      'an unknown key',
      'reg.io:\n  username: u\n  pasword: hunter2-secret\n',
      /:3: reg\.io\.pasword: unknown key \(expected username, password, token, insecure or caFile\)$/,
    ],
    ['a wrong type', 'reg.io:\n  insecure: "yes please"\n', /:2: reg\.io\.insecure: Invalid input: expected boolean, received string/],
    ['a number password', 'reg.io:\n  password: 12345678\n', /reg\.io\.password: Invalid input: expected string, received number/],
    ['an entry that is not a map', 'reg.io: user:hunter2-secret\n', /:1: reg\.io: Invalid input: expected object, received string/],
    ['a missing CA file', 'reg.io:\n  caFile: ./does-not-exist.pem\n', /:2: reg\.io\.caFile: cannot read .*does-not-exist\.pem$/],
    ['a CA file that is not PEM', 'reg.io:\n  caFile: s1.yaml\n', /reg\.io\.caFile: .*s1\.yaml is not a PEM certificate/],
    ['a list document', '- reg.io\n', /: expected a map of "registry\[\/namespace\]: \{username, password, token, insecure, caFile\}"$/],
    ['a key that is not a host', 'harbor:\n  username: u\n  password: p\n', /:1: harbor: "harbor" is not a registry host/],
    [
      'an invalid namespace key',
      'reg.io/Team:\n  username: u\n  password: p\n',
      /reg\.io\/Team: not a valid registry\[\/namespace\]: repository component "Team"/,
    ],
    ['a mis-indented password', 'reg.io:\n  username: u\npassword: hunter2-secret\n', /:3: password: "password" is not a registry host/],
  ];
  for (const [name, text, expected] of cases) {
    it(`refuses ${name}`, async () => {
      const err = await refusal(text);
      assert.match(err.message, /s\d+\.yaml/);
      assert.match(err.message, expected);
      assert.ok(!err.message.includes('hunter2'), 'no secret in the message');
    });
  }

  it('reports every problem at once', async () => {
    const err = await refusal('a.io:\n  password: ${X1}\nb.io:\n  pasword: x\nc.io:\n  insecure: 1\n');
    assert.deepEqual(
      err.issues.map((i) => i.key),
      ['a.io.password', 'b.io.pasword', 'c.io.insecure'],
    );
    assert.deepEqual(
      err.issues.map((i) => i.line),
      [2, 4, 6],
    );
  });

  it('never puts a password in a message, whatever the mistake (property)', async () => {
    // a file may also be accepted (`reg.io: &x` is an anchor on an empty entry); only messages matter here
    const password = fc.stringMatching(/^[!*&A-Za-z0-9%@#$^()+=.-]{8,24}$/).filter((p) => !/^[0-9.+-]+$/.test(p));
    const mistakes = [
      (p: string) => `reg.io:\n  username: u\n  password: ${p}\n  pasword: ${p}\n`,
      (p: string) => `reg.io:\n  username: u\n  password: ${p}\n  insecure: ${p}\n`,
      (p: string) => `reg.io:\n  username: u\n  password: ${p}\n  caFile: missing.pem\n  token: \${UNSET_${'X'}}\n`,
      (p: string) => `reg.io:\n  username: ${p}\npassword: ${p}\n`,
      (p: string) => `reg.io:\n  password: ${p}\n  username: [${p}\n`,
      (p: string) => `reg.io: ${p}\n`,
      (p: string) => `reg.io:\n  password: ${p}\nreg.io:\n  password: ${p}\n`,
    ];
    await fc.assert(
      fc.asyncProperty(password, fc.constantFrom(...mistakes), async (p, mistake) => {
        try {
          await load(mistake(p));
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          assert.ok(!err.message.includes(p), `password in: ${err.message}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
