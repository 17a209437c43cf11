import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AccessResolver, accessFrom, OVERRIDE_SOURCE, type RegistryAccessEntry, RegistryError, RegistryPool } from '../../../lib/registry/index.js';
import { json, type ScriptedRegistry, startScriptedRegistry } from '../../support/registry-script.js';

describe('accessFrom (security configuration -> client settings)', () => {
  const entry = (e: Partial<RegistryAccessEntry>): RegistryAccessEntry => ({ insecure: false, ...e });
  const deferred = async () => ({ username: 'helper', password: 'h' });

  it('uses the entry credentials, a token alone, or none (anonymous)', () => {
    const access = (e: Partial<RegistryAccessEntry>) => accessFrom(() => entry(e))('r.example', 'app');
    assert.deepEqual(access({ username: 'u', password: 'p', source: 'the file' }), {
      credentials: { username: 'u', password: 'p', token: undefined },
      insecure: false,
      ca: undefined,
      credentialSource: 'the file',
    });
    assert.deepEqual(access({ token: 't' }).credentials, { username: undefined, password: undefined, token: 't' });
    assert.deepEqual(access({ username: 'u' }).credentials, { username: 'u', password: undefined, token: undefined });
    assert.deepEqual(access({ insecure: true, ca: 'PEM' }), { credentials: undefined, insecure: true, ca: 'PEM', credentialSource: null });
  });

  // invariant: an override (TCR instance login) wins over a credential helper, which wins over the file's own credentials
  it('prefers the override, then the credential helper, then the entry', () => {
    const override = async () => ({ username: 'tcr', password: 'x' });
    const full = entry({ username: 'u', password: 'p', deferred, source: 'the helper' });
    const withOverride = accessFrom(() => full, { override: () => override, extra: () => ({ qps: 3 }) })('r.example', 'app');
    assert.equal(withOverride.credentials, override);
    assert.equal(withOverride.credentialSource, 'the temporary login of the TCR instance (CreateInstanceToken)');
    assert.equal(withOverride.credentialSource, OVERRIDE_SOURCE);
    assert.equal(withOverride.qps, 3);
    assert.equal(accessFrom(() => full)('r.example', 'app').credentials, deferred);
  });
});

describe('RegistryPool', { timeout: 20_000 }, () => {
  let srv: ScriptedRegistry;
  before(async () => {
    srv = await startScriptedRegistry();
  });
  after(() => srv.stop());

  /** A pool whose resolver answers per repository from `table`, recording what it was asked. */
  const poolOf = (table: Record<string, ReturnType<AccessResolver>>) => {
    const asked: string[] = [];
    const pool = new RegistryPool((registry, repository) => {
      asked.push(`${registry}|${repository}`);
      return table[repository] ?? {};
    });
    return { pool, asked };
  };

  // invariant: one client per registry and credential set, insecure flag and CA; never shared across them
  it('keys clients by credentials, insecure and CA', async () => {
    const same = { username: 'u', password: 'p' };
    const fn = async () => same;
    const { pool, asked } = poolOf({
      a: { credentials: same },
      a2: { credentials: { username: 'u', password: 'p' } },
      b: { credentials: { username: 'v', password: 'q' } },
      f: { credentials: fn },
      f2: { credentials: fn },
      g: { credentials: async () => same },
      plain: {},
      off: { insecure: false },
      on: { insecure: true },
      ca1: { ca: 'PEM-1' },
      ca2: { ca: 'PEM-2' },
    });
    const c = (repo: string) => pool.client('r.example', repo);
    assert.equal(c('a'), c('a2'), 'equal credentials share a client');
    assert.notEqual(c('a'), c('b'), 'other credentials, another client');
    assert.equal(c('f'), c('f2'), 'the same credential function shares a client');
    assert.notEqual(c('f'), c('g'), 'another credential function, another client');
    assert.equal(c('plain'), c('off'), 'insecure unset is insecure false');
    assert.notEqual(c('off'), c('on'), 'insecure gets its own client');
    assert.notEqual(c('ca1'), c('ca2'), 'each CA gets its own client');
    assert.notEqual(c('a'), pool.client('other.example', 'a'), 'each registry gets its own client');
    pool.client('r.example');
    assert.equal(asked.at(-1), 'r.example|', 'no repository: the registry-wide settings');
    await pool.close();
  });

  // invariant: a slow first answer (a busy start-up) does not stick: the round trip is the fastest answer
  it("tightens a registry's round trip to its fastest answer", async () => {
    let pings = 0;
    const blob = `/v2/app/blobs/sha256:${'d'.repeat(64)}`;
    srv.reset({
      'GET /v2/': (_req, res) => {
        const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        if (pings++ === 0) setTimeout(answer, 500);
        else answer();
        return undefined;
      },
      [`HEAD ${blob}`]: { status: 200 },
    });
    const { pool } = poolOf({ app: { insecure: true, retry: { retries: 0 } } });
    const client = pool.client(srv.host, 'app');
    await client.ping();
    const first = client.roundTripMs!;
    assert.ok(first >= 500, `the ping waited: ${first} ms`);
    await (await client.request({ method: 'HEAD', path: blob, scopes: [], expect: [200] })).body.dump();
    assert.ok(client.roundTripMs! < first, `${client.roundTripMs} ms after a quick answer, ${first} ms before`);
    assert.equal(pool.slowestRoundTripMs(), client.roundTripMs);
    await pool.close();
  });

  it("counts only the registry's own answers, not those of the storage a redirect leads to", async () => {
    const cdn = await startScriptedRegistry();
    try {
      const blob = `/v2/app/blobs/sha256:${'e'.repeat(64)}`;
      // the registry answers after 300 ms, its storage at once
      const later = (answer: () => void): undefined => void setTimeout(answer, 300);
      srv.reset({
        'GET /v2/': (_req, res) => later(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')),
        [`GET ${blob}`]: (_req, res) => later(() => res.writeHead(307, { location: `${cdn.origin}/storage/e` }).end()),
      });
      cdn.reset({ 'GET /storage/e': { body: 'bytes' } });
      const { pool } = poolOf({ app: { insecure: true, retry: { retries: 0 } } });
      const client = pool.client(srv.host, 'app');
      await (await client.request({ method: 'GET', path: blob, scopes: [], expect: [200] })).body.dump();
      assert.equal(cdn.seen.length, 1, 'the redirect was followed');
      assert.ok(client.roundTripMs! >= 300, `${client.roundTripMs} ms: the storage's quick answer does not count`);
      await pool.close();
    } finally {
      await cdn.stop();
    }
  });

  // invariant: the run reads how far its registries are from the answers they gave (the look-ahead's switch)
  it('tells the longest round trip of its clients, none before any answer', async () => {
    const { pool } = poolOf({ a: { insecure: true }, b: { insecure: true, credentials: { username: 'u', password: 'p' } } });
    const [a, b] = [pool.client(srv.host, 'a'), pool.client(srv.host, 'b')];
    assert.notEqual(a, b);
    assert.equal(pool.slowestRoundTripMs(), undefined);
    assert.equal(a.roundTripMs, undefined, 'no ping yet');
    await a.ping();
    assert.ok(a.roundTripMs! > 0, String(a.roundTripMs));
    assert.equal(pool.slowestRoundTripMs(), a.roundTripMs, 'only the answered ping counts');
    await b.ping();
    assert.equal(pool.slowestRoundTripMs(), Math.max(a.roundTripMs!, b.roundTripMs!));
    await pool.close();
  });

  // invariant: close releases every client; the pool then makes new ones
  it('closes its clients and forgets them', async () => {
    const blob = `/v2/app/blobs/sha256:${'c'.repeat(64)}`;
    srv.reset({ [`GET ${blob}`]: json(200, {}) });
    const { pool } = poolOf({ app: { insecure: true, retry: { retries: 0 } } });
    const client = pool.client(srv.host, 'app');
    const get = () => client.request({ method: 'GET', path: blob, scopes: [], expect: [200] });
    await (await get()).body.dump();
    await pool.close();
    await assert.rejects(get(), (err: unknown) => {
      assert.ok(err instanceof RegistryError, String(err));
      assert.match(err.message, /destroyed|closed/i);
      return true;
    });
    assert.notEqual(pool.client(srv.host, 'app'), client);
    await pool.close();
  });
});
