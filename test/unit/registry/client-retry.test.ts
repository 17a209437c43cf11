import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { RegistryClient, RegistryError, repoScope, type RetryEvent } from '../../../lib/registry/index.js';
import { stoppable } from '../../support/http-server.js';

const MANIFEST = '/v2/app/manifests/v1';
const UNAVAILABLE = '{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}';

/**
 * A registry that answers manifest requests from a script (then 200). Each client retries with a
 * 15-30 s backoff of its own: a test that wrongly waits fails on its short timeout, it never hangs,
 * and `onRetry` refuses any delay other than the one the registry asked for.
 */
describe('RegistryClient retries a 503', { timeout: 10_000 }, () => {
  let host = '';
  let script: Array<{ status: number; retryAfter?: string }> = [];
  const seen: string[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    seen.push(`${req.method} ${req.url}`);
    const next = script.shift();
    if (!next) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"schemaVersion":2}');
    res.writeHead(next.status, { 'content-type': 'application/json', ...(next.retryAfter ? { 'retry-after': next.retryAfter } : {}) }).end(UNAVAILABLE);
  });
  const stop = stoppable(server);

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => stop());
  beforeEach(() => {
    seen.length = 0;
    script = [];
  });

  /** A client whose own backoff is far longer than any test here; `onRetry` checks each delay. */
  const clientExpecting = (expectedDelayMs: number, retries: number, stopper?: AbortController) => {
    const events: RetryEvent[] = [];
    const guard = stopper ?? new AbortController();
    const client = new RegistryClient({
      registry: host,
      insecure: true,
      retry: { retries, baseDelayMs: 60_000 },
      onRetry: (e) => {
        events.push(e);
        if (e.delayMs !== expectedDelayMs) guard.abort(new Error(`retry ${e.attempt} waits ${e.delayMs} ms, not the ${expectedDelayMs} ms of Retry-After`));
        else if (stopper) stopper.abort(new Error('stopped after the first retry was scheduled'));
      },
    });
    const get = () => client.request({ method: 'GET', path: MANIFEST, scopes: [repoScope('app', 'pull')], expect: [200], signal: guard.signal });
    return { client, events, get };
  };

  // invariant: 503 (a registry overloaded or restarting) is transient: the request is sent again
  it('sends the request again after a 503 and returns the answer that follows', async () => {
    script = [
      { status: 503, retryAfter: '0' },
      { status: 503, retryAfter: '0' },
    ];
    const { client, events, get } = clientExpecting(0, 4);
    try {
      const res = await get();
      assert.equal(res.status, 200);
      await res.body.dump();
      assert.deepEqual(seen, [`GET ${MANIFEST}`, `GET ${MANIFEST}`, `GET ${MANIFEST}`]);
      assert.deepEqual(
        events.map((e) => [e.attempt, e.delayMs]),
        [
          [1, 0],
          [2, 0],
        ],
      );
      assert.match(events[0]!.reason, /: 503 UNAVAILABLE: try later$/);
    } finally {
      await client.close();
    }
  });

  // invariant: a 503's Retry-After sets the wait (not the client's own backoff)
  it('waits the Retry-After of a 503 (in seconds) before the next attempt', async () => {
    script = [{ status: 503, retryAfter: '7' }];
    const stopper = new AbortController();
    const { client, events, get } = clientExpecting(7000, 4, stopper);
    try {
      // the wait is observed through onRetry, then cut short: the test never sleeps 7 s
      const err = await get().then(
        () => assert.fail('the request was not held for Retry-After'),
        (e: unknown) => e as Error,
      );
      assert.equal(events.length, 1, `a 503 with Retry-After was not retried: ${err.message}`);
      assert.equal(events[0]!.delayMs, 7000);
      assert.equal(err.message, 'stopped after the first retry was scheduled');
    } finally {
      await client.close();
    }
  });

  it("gives up after its retries with a RegistryError that names the 503 and the registry's message", async () => {
    script = [
      { status: 503, retryAfter: '0' },
      { status: 503, retryAfter: '0' },
      { status: 503, retryAfter: '0' },
    ];
    const { client, events, get } = clientExpecting(0, 2);
    try {
      await assert.rejects(get(), (err: unknown) => {
        assert.ok(err instanceof RegistryError, String(err));
        assert.equal(err.status, 503);
        assert.equal(err.code, 'REGISTRY_HTTP');
        assert.match(err.message, new RegExp(`^GET http://${host.replace(/\./g, '\\.')}${MANIFEST}: 503 UNAVAILABLE: try later$`));
        return true;
      });
      assert.equal(seen.length, 3, 'the first attempt and two retries');
      assert.equal(events.length, 2);
    } finally {
      await client.close();
    }
  });
});
