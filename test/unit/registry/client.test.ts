import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, afterEach, before, describe, it } from 'node:test';
import { RegistryClient, RegistryError, type RegistryOptions, type RetryEvent } from '../../../lib/registry/index.js';
import { json, replyOf, type ScriptedRegistry, type ScriptedReply, type ScriptedRoute, startScriptedRegistry } from '../../support/registry-script.js';

const MANIFEST = '/v2/app/manifests/v1';
const BLOB = `/v2/app/blobs/sha256:${'b'.repeat(64)}`;
const BASIC = `Basic ${Buffer.from('u:p').toString('base64')}`;

/** Answers `status` with headers and a body (none for a HEAD: the server drops it). */
const answer = (status: number, headers: Record<string, string | string[]> = {}, body = ''): ScriptedReply => ({
  status,
  headers: { 'content-length': String(Buffer.byteLength(body)), ...headers },
  body,
});
/** The nth call (from 1) picks its answer. */
const nth = (pick: (n: number) => ScriptedRoute): ScriptedRoute => {
  let n = 0;
  return (seen, res) => replyOf(pick(++n), seen, res);
};
/** `ok` when the request carries `authorization`, else 401 with `challenge`. */
const guarded =
  (authorization: RegExp, challenge: string | string[], ok: ScriptedRoute): ScriptedRoute =>
  (seen, res) =>
    authorization.test(seen.headers.authorization ?? '') ? replyOf(ok, seen, res) : answer(401, { 'www-authenticate': challenge }, '{"errors":[]}');

describe('RegistryClient', { timeout: 30_000 }, () => {
  let reg: ScriptedRegistry;
  /** Another origin: blob storage a redirect leads to, or a stranger. */
  let storage: ScriptedRegistry;
  const clients: RegistryClient[] = [];
  const make = (options: Partial<RegistryOptions> = {}) => {
    const c = new RegistryClient({ registry: reg.host, insecure: true, retry: { retries: 0 }, ...options });
    clients.push(c);
    return c;
  };
  const bearer = (extra = '') => `Bearer realm="${reg.origin}/token",service="reg"${extra}`;
  const lines = (s: ScriptedRegistry) => s.seen.map((r) => `${r.method} ${r.url.replace(/\?.*$/, '')}`);
  const get = (c: RegistryClient, path = MANIFEST, expect = [200]) => c.request({ method: 'GET', path, scopes: ['repository:app:pull'], expect });
  const rejectsWith = async (p: Promise<unknown>, check: (err: RegistryError) => void) =>
    assert.rejects(p, (err: unknown) => {
      assert.ok(err instanceof RegistryError, `not a RegistryError: ${String(err)}`);
      check(err);
      return true;
    });

  before(async () => {
    [reg, storage] = await Promise.all([startScriptedRegistry(), startScriptedRegistry()]);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await Promise.all([reg.stop(), storage.stop()]);
  });

  it('starts from https on the API host of the registry', () => {
    assert.equal(new RegistryClient({ registry: 'r.example' }).baseUrl, 'https://r.example');
    assert.equal(new RegistryClient({ registry: 'docker.io' }).baseUrl, 'https://registry-1.docker.io');
  });

  describe('ping', () => {
    // invariant: a refused ping fails with the status, and is asked again by the next caller
    it('fails on a 400 and pings again next time', async () => {
      reg.reset({ 'GET /v2/': answer(400) });
      const c = make();
      await rejectsWith(c.ping(), (err) => {
        assert.equal(err.status, 400);
        assert.equal(err.code, 'REGISTRY_HTTP');
        assert.equal(err.message, `GET ${reg.origin}/v2/: 400`);
      });
      reg.reset();
      await c.ping();
      assert.deepEqual(lines(reg), ['GET /v2/']);
    });
    it('retries a 503 like any request, reporting the attempt', async () => {
      reg.reset({ 'GET /v2/': nth((n) => (n === 1 ? answer(503, { 'retry-after': '0' }) : answer(200))) });
      const events: RetryEvent[] = [];
      await make({ retry: { retries: 1, baseDelayMs: 0 }, onRetry: (e) => events.push(e) }).ping();
      assert.deepEqual(
        events.map((e) => [e.method, e.attempt, e.attempts, e.delayMs]),
        [['GET', 1, 2, 0]],
      );
    });
    // invariant: the scheme learnt at the ping (bearer before basic) authenticates the first request up front
    it('learns the bearer challenge of the ping, preferred to basic', async () => {
      reg.reset({
        'GET /v2/': answer(401, { 'www-authenticate': `Basic realm="r", ${bearer()}` }),
        'GET /token': json(200, { token: 'tok' }),
        [`GET ${MANIFEST}`]: guarded(/^Bearer tok$/, bearer(), json(200, {})),
      });
      await (await get(make({ credentials: { username: 'u', password: 'p' } }))).body.dump();
      assert.deepEqual(lines(reg), ['GET /v2/', 'GET /token', `GET ${MANIFEST}`]);
    });
    it('answers Basic when basic is the only scheme it knows among those offered', async () => {
      reg.reset({
        'GET /v2/': answer(401, { 'www-authenticate': 'Negotiate abc, Basic realm="r"' }),
        [`GET ${MANIFEST}`]: guarded(/^Basic /, 'Basic realm="r"', json(200, {})),
      });
      await (await get(make({ credentials: { username: 'u', password: 'p' } }))).body.dump();
      assert.deepEqual(lines(reg), ['GET /v2/', `GET ${MANIFEST}`]);
      assert.equal(reg.seen[1]!.headers.authorization, BASIC);
    });
  });

  describe('over TLS', () => {
    let tls: ScriptedRegistry;
    before(async () => {
      tls = await startScriptedRegistry({ tls: true });
    });
    after(() => tls.stop());

    // invariant: credentials never go to a plain-http token realm of a registry that is not insecure
    it('trusts the configured CA, and refuses to send credentials to a plain-http realm', async () => {
      reg.reset({ 'GET /token': json(200, { token: 'tok' }) });
      tls.reset({ 'GET /v2/': answer(401, { 'www-authenticate': bearer() }) });
      const c = make({ registry: tls.host, insecure: false, ca: tls.ca, credentials: { username: 'u', password: 'p' } });
      await rejectsWith(get(c), (err) => {
        assert.equal(err.code, 'REGISTRY_UNAUTHORIZED');
        assert.match(err.message, /refusing to send credentials to a plain-http token realm/);
      });
      assert.deepEqual(lines(tls), ['GET /v2/']);
      assert.deepEqual(lines(reg), []);
    });
    // invariant: insecure means "TLS without verification" first; a registry that answers over TLS is not tried over http
    it('talks TLS without verification to an insecure registry, and keeps to https when it answers with an error', async () => {
      tls.reset({ [`GET ${MANIFEST}`]: json(200, {}) });
      const c = make({ registry: tls.host });
      await (await get(c)).body.dump();
      assert.equal(c.baseUrl, tls.origin);
      tls.reset({ 'GET /v2/': answer(500) });
      await rejectsWith(make({ registry: tls.host }).ping(), (err) => assert.equal(err.status, 500));
    });
  });

  describe('checkAccess', () => {
    const basicRegistry = (v2: ScriptedRoute = json(200, {})) => reg.reset({ 'GET /v2/': guarded(/^Basic dTpw$/, 'Basic realm="r"', v2) });

    it('only pings without credentials', async () => {
      basicRegistry();
      await make().checkAccess();
      assert.deepEqual(lines(reg), ['GET /v2/']);
    });
    it('sends one authenticated GET /v2/ with credentials', async () => {
      basicRegistry();
      await make({ credentials: { username: 'u', password: 'p' } }).checkAccess();
      assert.deepEqual(
        reg.seen.map((s) => s.headers.authorization),
        [undefined, BASIC],
      );
    });
    // invariant: refused credentials fail the check with the 401
    it('fails on refused credentials with REGISTRY_UNAUTHORIZED', async () => {
      basicRegistry();
      await rejectsWith(make({ credentials: { username: 'u', password: 'wrong' } }).checkAccess(), (err) => {
        assert.equal(err.code, 'REGISTRY_UNAUTHORIZED');
        assert.equal(err.message, `GET ${reg.origin}/v2/: 401`);
      });
    });
    // invariant: other statuses pass (registries differ on what an unscoped token may read); a lost connection does not
    it('passes a 403 of the authenticated GET, and fails when its connection is lost', async () => {
      basicRegistry(answer(403));
      await make({ credentials: { username: 'u', password: 'p' } }).checkAccess();
      basicRegistry((_seen, res) => void res.socket?.destroy());
      await rejectsWith(make({ credentials: { username: 'u', password: 'p' } }).checkAccess(), (err) => {
        assert.equal(err.code, 'REGISTRY_NETWORK');
      });
    });
    it('asks a token registry for a token without scope', async () => {
      reg.reset({ 'GET /v2/': guarded(/^Bearer tok$/, bearer(), json(200, {})), 'GET /token': json(200, { token: 'tok' }) });
      await make({ credentials: { username: 'u', password: 'p' } }).checkAccess();
      const token = reg.seen.find((s) => s.url.startsWith('/token'))!;
      assert.deepEqual(new URL(token.url, reg.origin).searchParams.getAll('scope'), []);
    });
  });

  describe('authentication on a 401', () => {
    // invariant: a replayable request answered 401 learns that challenge, gets a token and is sent once more
    it('re-sends a buffered body once with the token the 401 asked for', async () => {
      reg.reset({ 'GET /token': json(200, { token: 'tok' }), 'PUT /v2/app/manifests/v2': guarded(/^Bearer tok$/, bearer(), answer(201)) });
      const res = await make().request({ method: 'PUT', path: '/v2/app/manifests/v2', scopes: [], body: Buffer.from('{}'), expect: [201] });
      await res.body.dump();
      assert.deepEqual(lines(reg), ['GET /v2/', 'PUT /v2/app/manifests/v2', 'GET /token', 'PUT /v2/app/manifests/v2']);
      assert.equal(reg.seen[3]!.body.toString(), '{}');
    });
    // invariant: a 401 after re-authenticating is final (not retried) and names the challenge's error
    it('fails on a second 401 with the challenge error, without retrying', async () => {
      reg.reset({
        'GET /token': json(200, { token: 'tok' }),
        [`GET ${MANIFEST}`]: nth((n) => (n <= 2 ? answer(401, { 'www-authenticate': bearer(',error="insufficient_scope"') }) : json(200, {}))),
      });
      await rejectsWith(get(make({ retry: { retries: 2, baseDelayMs: 0 } })), (err) => {
        assert.equal(err.status, 401);
        assert.equal(err.code, 'REGISTRY_UNAUTHORIZED');
        assert.equal(err.retryable, false);
        assert.equal(err.challengeError, 'insufficient_scope');
      });
      assert.equal(lines(reg).filter((l) => l === `GET ${MANIFEST}`).length, 2);
    });
    // invariant: a streamed body is never replayed; the 401 is retryable for the caller, and the next request authenticates up front
    it('fails a streamed body on a 401 as retryable, then authenticates the next request up front', async () => {
      reg.reset({
        'GET /token': json(200, { token: 'tok' }),
        'PUT /upload/1': guarded(/^Bearer tok$/, bearer(',error="invalid_token"'), answer(201)),
        [`GET ${MANIFEST}`]: guarded(/^Bearer tok$/, bearer(), json(200, {})),
      });
      const c = make();
      const put = () =>
        c.request({
          method: 'PUT',
          path: `${reg.origin}/upload/1`,
          scopes: ['repository:app:pull'],
          body: Readable.from([Buffer.from('data')]),
          expect: [201],
        });
      await rejectsWith(put(), (err) => {
        assert.equal(err.status, 401);
        assert.equal(err.retryable, true);
        assert.equal(err.challengeError, 'invalid_token');
        assert.equal(err.message, `PUT ${reg.origin}/upload/1: 401`);
      });
      await (await get(c)).body.dump();
      await (await put()).body.dump();
      assert.deepEqual(lines(reg), ['GET /v2/', 'PUT /upload/1', 'GET /token', `GET ${MANIFEST}`, 'PUT /upload/1']);
    });
    // invariant: several WWW-Authenticate headers (a blob answer, read by undici as a list) are all considered
    it('picks the bearer challenge among several headers of a blob 401', async () => {
      reg.reset({
        'GET /token': json(200, { token: 'tok' }),
        [`GET ${BLOB}`]: guarded(/^Bearer tok$/, [`Bearer realm="${reg.origin}/token",service=reg`, 'Basic realm="r"'], answer(200, {}, 'x')),
      });
      await (await get(make({ credentials: { username: 'u', password: 'p' } }), BLOB)).body.dump();
      assert.deepEqual(lines(reg), ['GET /v2/', `GET ${BLOB}`, 'GET /token', `GET ${BLOB}`]);
    });
    // invariant: a 401 from another host (reached by a redirect) is not answered with credentials
    it('refuses the challenge of a redirect target and sends it no credential', async () => {
      reg.reset({ 'GET /v2/': answer(401, { 'www-authenticate': 'Basic realm="r"' }), [`GET ${BLOB}`]: answer(307, { location: `${storage.origin}/blob` }) });
      storage.reset({ 'GET /blob': answer(401, { 'www-authenticate': 'Basic realm="elsewhere"' }) });
      await rejectsWith(get(make({ credentials: { username: 'u', password: 'p' } }), BLOB), (err) => {
        assert.equal(err.code, 'REGISTRY_UNAUTHORIZED');
        assert.equal(
          err.message,
          `GET ${storage.origin}/blob: 401 (401 from ${storage.host}, not the registry ${reg.host}: its challenge is ignored and no credential is sent there)`,
        );
      });
      assert.equal(reg.seen[1]!.headers.authorization, BASIC);
      assert.deepEqual(
        storage.seen.map((s) => s.headers.authorization),
        [undefined],
      );
    });
  });

  // invariant: close releases the connections: a closed client sends nothing more
  it('sends no blob request once closed', async () => {
    reg.reset({ [`GET ${BLOB}`]: answer(200, {}, 'x') });
    const c = new RegistryClient({ registry: reg.host, insecure: true, retry: { retries: 0 } }); // closed here, not by afterEach
    await (await get(c, BLOB)).body.dump();
    await c.close();
    await rejectsWith(get(c, BLOB), (err) => assert.match(err.message, /destroyed|closed/i));
    assert.equal(lines(reg).filter((l) => l === `GET ${BLOB}`).length, 1);
    await c.close(); // closing again (a second owner's cleanup) is not an error
  });

  describe('redirects', () => {
    it('follows at most 5 redirects and fails on the 6th answer', async () => {
      reg.reset({ [`GET ${MANIFEST}`]: nth((n) => (n <= 10 ? answer(302, { location: MANIFEST }) : json(200, {}))) });
      await rejectsWith(get(make()), (err) => assert.equal(err.status, 302));
      assert.equal(lines(reg).filter((l) => l === `GET ${MANIFEST}`).length, 6);
    });
    it('follows the redirect of a HEAD, not of a POST, and not a Location outside a redirect', async () => {
      reg.reset({
        [`HEAD ${BLOB}`]: answer(307, { location: `${storage.origin}/blob` }),
        'POST /v2/app/blobs/uploads/': answer(307, { location: `${storage.origin}/blob` }),
        [`GET ${MANIFEST}`]: answer(200, { location: `${storage.origin}/blob` }),
      });
      storage.reset({ 'HEAD /blob': answer(200), 'GET /blob': answer(200), 'POST /blob': answer(202) });
      const c = make();
      assert.equal((await c.request({ method: 'HEAD', path: BLOB, scopes: [], expect: [200] })).status, 200);
      await rejectsWith(c.request({ method: 'POST', path: '/v2/app/blobs/uploads/', scopes: [], expect: [202] }), (err) => assert.equal(err.status, 307));
      const res = await get(c);
      await res.body.dump();
      assert.equal(res.url, `${reg.origin}${MANIFEST}`);
      assert.deepEqual(lines(storage), ['HEAD /blob']);
    });
  });

  describe('errors users read', () => {
    // invariant: a refused HEAD gives its connection back (a pool of one connection serves the next request)
    it('frees the connection of a refused HEAD', { timeout: 10_000 }, async () => {
      reg.reset({ [`HEAD ${MANIFEST}`]: answer(404), [`GET ${MANIFEST}`]: json(200, {}) });
      const c = make({ connections: 1 });
      for (let i = 0; i < 2; i++)
        await rejectsWith(c.request({ method: 'HEAD', path: MANIFEST, scopes: [], expect: [200] }), (err) => assert.equal(err.status, 404));
      await (await get(c)).body.dump();
    });

    const diag = JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'unknown', detail: 'disk full' }] });
    // invariant: 401 and 403 are "unauthorized", any other status HTTP; only a 5xx shows the registry's detail
    it('names the status, the diagnostics, and the detail of a 5xx only', async () => {
      reg.reset({
        'GET /v2/app/manifests/forbidden': answer(403),
        'GET /v2/app/manifests/missing': answer(404, {}, diag),
        'GET /v2/app/manifests/broken': answer(500, {}, diag),
        [`HEAD ${MANIFEST}`]: answer(404),
      });
      const c = make();
      const url = (tag: string) => `${reg.origin}/v2/app/manifests/${tag}`;
      await rejectsWith(get(c, '/v2/app/manifests/forbidden'), (err) => assert.equal(err.code, 'REGISTRY_UNAUTHORIZED'));
      await rejectsWith(get(c, '/v2/app/manifests/missing'), (err) => {
        assert.equal(err.code, 'REGISTRY_HTTP');
        assert.equal(err.message, `GET ${url('missing')}: 404 MANIFEST_UNKNOWN: unknown`);
      });
      await rejectsWith(get(c, '/v2/app/manifests/broken'), (err) =>
        assert.equal(err.message, `GET ${url('broken')}: 500 MANIFEST_UNKNOWN: unknown (disk full)`),
      );
      await rejectsWith(c.request({ method: 'HEAD', path: MANIFEST, scopes: [], expect: [200] }), (err) => assert.equal(err.message, `HEAD ${url('v1')}: 404`));
    });
    it('names no challenge error on a 403', async () => {
      reg.reset({ [`GET ${MANIFEST}`]: answer(403, { 'www-authenticate': bearer(',error="insufficient_scope"') }) });
      await rejectsWith(get(make()), (err) => assert.equal(err.challengeError, undefined));
    });
    it('says the error body broke off when it did', async () => {
      reg.reset({
        [`GET ${MANIFEST}`]: (_seen, res) => {
          res.writeHead(500, { 'content-length': '100' });
          res.write('partial', () => res.socket?.destroy());
          return undefined;
        },
      });
      await rejectsWith(get(make()), (err) => assert.match(err.message, /: reading the error body: /));
    });
    it('names the system code of a lost connection', async () => {
      reg.reset({ [`GET ${MANIFEST}`]: (_seen, res) => void res.socket?.destroy() });
      await rejectsWith(get(make()), (err) => {
        assert.equal(err.code, 'REGISTRY_NETWORK');
        assert.equal(err.retryable, true);
        assert.ok(err.message.startsWith(`GET ${reg.origin}${MANIFEST}: ECONNRESET: `), err.message);
      });
    });
    // invariant: an abort rejects with the caller's own reason, not a transport error
    it('rejects with the abort reason', async () => {
      const stop = new AbortController();
      const reason = new Error('stopped by the caller');
      reg.reset({ [`GET ${MANIFEST}`]: () => void stop.abort(reason) });
      const c = make();
      await c.ping();
      await assert.rejects(c.request({ method: 'GET', path: MANIFEST, scopes: [], expect: [200], signal: stop.signal }), (err: unknown) => err === reason);
    });
  });

  describe('retries', () => {
    const silent: ScriptedRoute = () => undefined; // never answers: the client's header deadline fires
    // invariant: a timed-out request is tried again only while the timed-out budget lasts; other failures keep their retries
    it('does not retry a timeout once the timed-out budget is spent, and retries it before', async () => {
      reg.reset({ [`GET ${MANIFEST}`]: silent });
      // long enough for this process's own server to read each request first on a busy machine (50 ms was not)
      const timeouts = { headersMs: 500 };
      await rejectsWith(get(make({ timeouts, retry: { retries: 1, baseDelayMs: 0, timedOutBudgetMs: 0 } })), (err) =>
        assert.equal(err.code, 'REGISTRY_TIMEOUT'),
      );
      assert.equal(lines(reg).filter((l) => l === `GET ${MANIFEST}`).length, 1);
      reg.reset({ [`GET ${MANIFEST}`]: silent });
      await rejectsWith(get(make({ timeouts, retry: { retries: 1, baseDelayMs: 0, timedOutBudgetMs: 60_000 } })), (err) =>
        assert.equal(err.code, 'REGISTRY_TIMEOUT'),
      );
      assert.equal(lines(reg).filter((l) => l === `GET ${MANIFEST}`).length, 2);
    });
    it('retries a 503 even with no timed-out budget', async () => {
      reg.reset({ [`GET ${MANIFEST}`]: nth((n) => (n === 1 ? answer(503, { 'retry-after': '0' }) : json(200, {}))) });
      await (await get(make({ retry: { retries: 1, timedOutBudgetMs: 0 } }))).body.dump();
    });
  });

  describe('headers and pull accounting', () => {
    it('sends the user agent (image-transfer unless configured) with the caller headers', async () => {
      reg.reset({ [`GET ${MANIFEST}`]: json(200, {}) });
      await (await make().request({ method: 'GET', path: MANIFEST, scopes: [], headers: { accept: 'x/y' }, expect: [200] })).body.dump();
      await (await make({ userAgent: 'mine/1' }).request({ method: 'GET', path: MANIFEST, scopes: [], expect: [200] })).body.dump();
      const sent = reg.seen.filter((s) => s.url === MANIFEST);
      assert.deepEqual(
        sent.map((s) => [s.headers['user-agent'], s.headers.accept]),
        [
          ['image-transfer', 'x/y'],
          ['mine/1', undefined],
        ],
      );
    });
    // invariant: only a manifest GET sent to the registry itself is a pull (one per request, redirects included)
    it('counts one pull per manifest GET to the registry, none for HEADs, blobs or other hosts', async () => {
      const takes: string[] = [];
      reg.reset({
        [`GET ${MANIFEST}`]: json(200, {}),
        [`HEAD ${MANIFEST}`]: answer(200),
        [`GET ${BLOB}`]: answer(200, {}, 'x'),
        'GET /v2/app/manifests/moved': answer(307, { location: `${storage.origin}/v2/app/manifests/moved` }),
        'GET /v2/app/manifests/renamed': answer(307, { location: MANIFEST }),
      });
      storage.reset({ 'GET /v2/app/manifests/moved': json(200, {}), [`GET ${MANIFEST}`]: json(200, {}) });
      const c = make({ quota: { gate: { take: async () => void takes.push('pull') } } });
      for (const [method, path] of [
        ['GET', MANIFEST],
        ['HEAD', MANIFEST],
        ['GET', BLOB],
        ['GET', '/v2/app/manifests/moved'],
        ['GET', `${storage.origin}${MANIFEST}`],
        ['GET', '/v2/app/manifests/renamed'],
      ] as const) {
        await (await c.request({ method, path, scopes: [], expect: [200] })).body.dump();
      }
      assert.equal(takes.length, 3);
    });
    const budget = (remaining: number) => ({ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': `${remaining};w=21600` });
    // invariant: a pull held at the reserve re-reads the budget with a HEAD of the same manifest and headers (free on Docker Hub)
    it('re-reads the budget of a held pull with a HEAD, then sends the pull', async () => {
      let clock = 0;
      reg.reset({
        'GET /v2/': answer(401, { 'www-authenticate': bearer() }),
        'GET /token': json(200, { token: 'tok' }),
        [`GET ${MANIFEST}`]: json(200, {}, budget(5)),
        [`HEAD ${MANIFEST}`]: answer(200, budget(50)),
      });
      // each reading of the clock jumps 5 minutes: the wait for one pull's share of the window is over at once
      const c = make({ quota: { now: () => (clock += 300_000), maxWaitMs: 1e12 } });
      const pull = () => c.request({ method: 'GET', path: MANIFEST, scopes: ['repository:app:pull'], headers: { accept: 'x/y' }, expect: [200] });
      await (await pull()).body.dump();
      await (await pull()).body.dump();
      // the HEAD asks for the same scopes: the pull's token serves it
      assert.deepEqual(lines(reg), ['GET /v2/', 'GET /token', `GET ${MANIFEST}`, `HEAD ${MANIFEST}`, `GET ${MANIFEST}`]);
      assert.equal(reg.seen[3]!.headers.accept, 'x/y');
    });
    // invariant: a pull that got no answer is no longer in flight (else the next pull waits for it forever)
    it('releases a pull whose connection was lost', { timeout: 10_000 }, async () => {
      reg.reset({ [`GET ${MANIFEST}`]: nth((n) => (n === 2 ? (_seen, res) => void res.socket?.destroy() : json(200, {}, budget(6)))) });
      const c = make();
      await (await get(c)).body.dump();
      await rejectsWith(get(c), (err) => assert.equal(err.code, 'REGISTRY_NETWORK'));
      await (await get(c)).body.dump();
    });
    // invariant: the budget the registry announces holds back the next pull; another host's headers do not
    it('stops pulling when the registry says no pull is left, whatever a redirect target says', async () => {
      const exhausted = budget(0);
      reg.reset({
        'GET /v2/app/manifests/moved': answer(307, { location: `${storage.origin}/v2/app/manifests/moved` }),
        [`GET ${MANIFEST}`]: json(200, {}, exhausted),
      });
      storage.reset({ 'GET /v2/app/manifests/moved': json(200, {}, exhausted) });
      const c = make({ quota: { maxWaitMs: 0 } });
      await (await get(c, '/v2/app/manifests/moved')).body.dump();
      await (await get(c)).body.dump();
      await assert.rejects(get(c), (err: unknown) => (err as { code?: string }).code === 'QUOTA_EXHAUSTED');
    });
  });
});
