import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { HttpTransport } from '../../../lib/http/index.js';
import { Authenticator, type Credentials, repoScope } from '../../../lib/registry/auth.js';
import { RegistryError } from '../../../lib/registry/errors.js';
import { parseWwwAuthenticate } from '../../../lib/registry/www-authenticate.js';
import { redact } from '../../../lib/util/redact.js';
import { json, type ScriptedRegistry, type ScriptedRoute, startScriptedRegistry } from '../../support/registry-script.js';

const transport = new HttpTransport({ connections: 4, connectMs: 5_000, headersMs: 5_000, bodyIdleMs: 5_000, keepAliveMs: 1_000 });

/** A token realm that hands out `tok-1`, `tok-2`... with the given `expires_in` (none when undefined). */
const issuing = (expiresIn?: number): ScriptedRoute => {
  let n = 0;
  return () => {
    n += 1;
    return json(200, { token: `tok-${n}`, ...(expiresIn === undefined ? {} : { expires_in: expiresIn }) });
  };
};

describe('Authenticator', { timeout: 20_000 }, () => {
  let realm: ScriptedRegistry;
  const bearer = (params = '') => parseWwwAuthenticate(`Bearer realm="${realm.origin}/token"${params}`)[0];
  const auth = (credentials: Credentials = {}, allowPlainHttp = true, challenge = bearer(',service="reg.example"')) => {
    const a = new Authenticator(credentials, transport, allowPlainHttp);
    a.learn(challenge);
    return a;
  };
  const tokenRequests = () => realm.seen.filter((s) => s.url.startsWith('/token'));
  const refused = (err: unknown, code: string, message: string) => {
    assert.ok(err instanceof RegistryError, `not a RegistryError: ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.message, message);
    return true;
  };

  before(async () => {
    realm = await startScriptedRegistry();
  });
  after(async () => {
    await transport.close();
    await realm.stop();
  });
  beforeEach(() => realm.reset({ 'GET /token': issuing() }));

  it('names a repository scope in the distribution grammar', () => {
    assert.equal(repoScope('team/app', 'pull,push'), 'repository:team/app:pull,push');
  });

  // invariant: credentials given to the authenticator never appear in an error or a log
  it('registers its credentials as secrets when made', () => {
    new Authenticator({ username: 'someone', password: 'pw-auth-test-4711' }, transport, false);
    assert.equal(redact('password pw-auth-test-4711'), 'password ***');
  });

  it('keeps the scheme it learnt when a later answer carries no challenge', () => {
    const a = auth();
    a.learn(undefined);
    assert.equal(a.scheme, 'bearer');
  });

  // invariant: a ready token is sent as is, whatever the registry asked for, and never exchanged
  it('sends a ready token without asking the realm', async () => {
    const a = new Authenticator({ token: 'ready-token' }, transport, false);
    assert.equal(await a.header([]), 'Bearer ready-token');
    assert.equal(tokenRequests().length, 0);
  });

  it('answers a basic challenge with Basic, and sends nothing to a scheme it does not know', async () => {
    const basic = auth({ username: 'u', password: 'p' }, false, parseWwwAuthenticate('Basic realm="r"')[0]);
    assert.equal(await basic.header([]), `Basic ${Buffer.from('u:p').toString('base64')}`);
    const other = auth({ username: 'u', password: 'p' }, false, parseWwwAuthenticate('Negotiate')[0]);
    assert.equal(await other.header([]), undefined);
  });

  // invariant: the token request names the service, each scope, asks for JSON and carries Basic only with a password
  it('asks the realm with service, every scope, accept JSON and Basic credentials', async () => {
    const a = auth({ username: 'u', password: 'p' });
    assert.equal(await a.header(['repository:a:pull', 'repository:b:pull']), 'Bearer tok-1');
    const [seen] = tokenRequests();
    const query = new URL(seen!.url, realm.origin).searchParams;
    assert.equal(seen!.method, 'GET');
    assert.equal(query.get('service'), 'reg.example');
    assert.deepEqual(query.getAll('scope'), ['repository:a:pull', 'repository:b:pull']);
    assert.equal(seen!.headers.accept, 'application/json');
    assert.equal(seen!.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('asks anonymously when a username comes without password', async () => {
    await auth({ username: 'u' }, false).header(['s']);
    assert.equal(tokenRequests()[0]!.headers.authorization, undefined);
  });

  // invariant: one token per scope set (order does not matter), reused while it lives, fetched once for concurrent callers
  it('caches a token per scope set, whatever the order of the scopes', async () => {
    const a = auth();
    assert.equal(await a.header(['x', 'y']), 'Bearer tok-1');
    assert.equal(await a.header(['y', 'x']), 'Bearer tok-1');
    assert.equal(await a.header(['other']), 'Bearer tok-2');
    assert.equal(await a.header(['a', 'bc']), 'Bearer tok-3');
    assert.equal(await a.header(['ab', 'c']), 'Bearer tok-4');
    assert.equal(tokenRequests().length, 4);
  });
  it('fetches one token for concurrent callers of the same scopes', async () => {
    const a = auth();
    assert.deepEqual(await Promise.all([a.header(['s']), a.header(['s'])]), ['Bearer tok-1', 'Bearer tok-1']);
    assert.equal(tokenRequests().length, 1);
  });
  it('fetches a new token after invalidate', async () => {
    const a = auth();
    assert.equal(await a.header(['s']), 'Bearer tok-1');
    a.invalidate(['s']);
    assert.equal(await a.header(['s']), 'Bearer tok-2');
  });

  // invariant: a token is not reused within 15 s of its expiry; no (or a non-positive) expires_in means 60 s
  it('does not reuse a token that expires within the safety margin', async () => {
    realm.reset({ 'GET /token': issuing(10) });
    const a = auth();
    assert.equal(await a.header(['s']), 'Bearer tok-1');
    assert.equal(await a.header(['s']), 'Bearer tok-2');
  });
  it('reuses a token without or with a non-positive expires_in for 60 s', async () => {
    for (const expiresIn of [undefined, -5]) {
      realm.reset({ 'GET /token': issuing(expiresIn) });
      const a = auth();
      assert.equal(await a.header(['s']), 'Bearer tok-1');
      assert.equal(await a.header(['s']), 'Bearer tok-1', `expires_in ${expiresIn}`);
    }
  });
  it('reads access_token when the realm names it so', async () => {
    realm.reset({ 'GET /token': json(200, { access_token: 'oauth-style' }) });
    assert.equal(await auth().header(['s']), 'Bearer oauth-style');
  });

  // invariant: credentials never go to a plain-http realm unless the registry is configured insecure
  it('refuses to send credentials to a plain-http realm of a secure registry', async () => {
    await assert.rejects(auth({ username: 'u', password: 'p' }, false).header(['s']), (err) =>
      refused(
        err,
        'REGISTRY_UNAUTHORIZED',
        `GET ${realm.origin}/token: refusing to send credentials to a plain-http token realm; set insecure for this registry`,
      ),
    );
    assert.equal(tokenRequests().length, 0);
  });
  it('asks a plain-http realm anonymously, or with credentials when insecure', async () => {
    assert.equal(await auth({}, false).header(['s']), 'Bearer tok-1');
    assert.equal(await auth({ username: 'u', password: 'p' }, true).header(['s']), 'Bearer tok-2');
  });
  it('sends credentials to an https realm (here one that fails the handshake: a network error, retryable)', async () => {
    const tls = parseWwwAuthenticate(`Bearer realm="https://${realm.host}/token"`)[0];
    await assert.rejects(auth({ username: 'u', password: 'p' }, false, tls).header(['s']), (err) => {
      assert.ok(err instanceof RegistryError, String(err));
      assert.equal(err.code, 'REGISTRY_NETWORK');
      assert.equal(err.retryable, true);
      assert.ok(err.message.startsWith(`GET https://${realm.host}/token?scope=***: `), err.message);
      return true;
    });
  });

  it('fails with REGISTRY_PROTOCOL on a bearer challenge without realm', async () => {
    await assert.rejects(auth({}, true, parseWwwAuthenticate('Bearer service="x"')[0]).header(['s']), (err) =>
      refused(err, 'REGISTRY_PROTOCOL', 'GET (token realm): bearer challenge without realm'),
    );
  });

  // invariant: a refusal of the realm says so (tokenRealm) with the status; 401/403 are "unauthorized", others HTTP
  it('names a refused token request by its status', async () => {
    for (const [status, code] of [
      [401, 'REGISTRY_UNAUTHORIZED'],
      [403, 'REGISTRY_UNAUTHORIZED'],
      [500, 'REGISTRY_HTTP'],
    ] as const) {
      realm.reset({ 'GET /token': json(status, { errors: [] }) });
      await assert.rejects(auth().header(['s']), (err) => {
        refused(err, code, `GET ${realm.origin}/token?service=***&scope=***: ${status} (token request refused)`);
        assert.equal((err as RegistryError).status, status);
        assert.equal((err as RegistryError).tokenRealm, true);
        return true;
      });
    }
  });
  it('fails with REGISTRY_PROTOCOL on a token response without token, or not JSON', async () => {
    realm.reset({ 'GET /token': json(200, { expires_in: 60 }) });
    await assert.rejects(auth().header(['s']), (err) =>
      refused(err, 'REGISTRY_PROTOCOL', `GET ${realm.origin}/token?service=***&scope=***: token response without token`),
    );
    realm.reset({ 'GET /token': json(200, 'not json') });
    await assert.rejects(auth().header(['s']), (err) => {
      assert.ok(err instanceof RegistryError && err.code === 'REGISTRY_PROTOCOL', String(err));
      assert.match(err.message, /token response/);
      return true;
    });
  });
});
