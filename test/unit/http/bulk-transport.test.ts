import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BulkTransport } from '../../../lib/http/index.js';
import { ensurePki } from '../../support/pki.js';

type Options = ConstructorParameters<typeof BulkTransport>[0];
const LIMIT = { timeout: 10_000 };
type Coded = Error & { code?: string; cause?: { code?: string } };

describe('BulkTransport', () => {
  let tls: TlsServer;
  let hang: NetServer;
  let origin: string;
  let hangOrigin: string;
  let ca: string;
  const sockets = new Set<Socket>();
  /** The server side of each connection a request came in on. */
  const served: Socket[] = [];
  /** Held until a second connection comes in (or 300 ms pass): shows whether the client opened one. */
  let held: (() => void) | undefined;
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/blob': (_req, res) => res.end('bytes'),
    '/held': (_req, res) => {
      const timer = setTimeout(() => held?.(), 300);
      held = () => {
        clearTimeout(timer);
        held = undefined;
        res.end('held');
      };
    },
    '/silent': () => {},
    '/trickle': (_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('x');
    },
  };
  const transport = (over: Partial<Options> = {}): BulkTransport =>
    new BulkTransport({ connections: 2, connectMs: 3000, headersMs: 3000, bodyIdleMs: 3000, keepAliveMs: 60_000, ...over });
  const get = (t: BulkTransport, path: string, at = origin) => t.request({ origin: at, path, method: 'GET', headers: {} });
  const text = async (t: BulkTransport, path: string, at = origin): Promise<string> => (await get(t, path, at)).body.text();

  before(async () => {
    const pki = await ensurePki();
    ca = readFileSync(pki.caCert, 'utf8');
    tls = createTlsServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert) }, (req, res) => {
      served.push(req.socket);
      routes[req.url ?? '']?.(req, res);
    });
    tls.keepAliveTimeout = 0; // no Keep-Alive hint: the client's own keepAliveMs decides
    tls.on('connection', (s: Socket) => {
      sockets.add(s);
      held?.();
    });
    // accepts TCP and never says a word: a TLS handshake against it never completes
    hang = createNetServer((s) => sockets.add(s));
    for (const s of [tls, hang]) await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    origin = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
    hangOrigin = `https://127.0.0.1:${(hang.address() as AddressInfo).port}`;
  });
  after(() => {
    for (const s of sockets) s.destroy();
    tls.close();
    hang.close();
  });

  it('verifies TLS against `ca`, refuses an unknown CA, and `insecure` skips verification', LIMIT, async () => {
    const trusted = transport({ ca });
    assert.equal(await text(trusted, '/blob'), 'bytes');
    const strict = transport();
    await assert.rejects(get(strict, '/blob'), (err: Coded) => /CERT|SIGNATURE|ISSUER/.test(err.code ?? err.cause?.code ?? ''));
    const insecure = transport({ insecure: true });
    assert.equal(await text(insecure, '/blob'), 'bytes');
    await Promise.all([trusted.close(), strict.close(), insecure.close()]);
  });

  it('a TLS handshake that never completes fails after connectMs', LIMIT, async () => {
    const t = transport({ connectMs: 200, headersMs: 60_000, insecure: true });
    await assert.rejects(get(t, '/blob', hangOrigin), (err: Coded) => err.code === 'UND_ERR_CONNECT_TIMEOUT');
    await t.close();
  });

  it('no headers within headersMs fails with the headers timeout', LIMIT, async () => {
    const t = transport({ headersMs: 200, ca });
    await assert.rejects(get(t, '/silent'), (err: Coded) => err.code === 'UND_ERR_HEADERS_TIMEOUT');
    await t.close();
  });

  it('a body below the minimum rate fails with BODY_TOO_SLOW (the rate guard is on undici bodies too)', LIMIT, async () => {
    const t = transport({ ca, bodyRate: { windowMs: 200, minBytes: 100 } });
    const res = await get(t, '/trickle');
    await assert.rejects(res.body.text(), (err: Coded) => err.code === 'BODY_TOO_SLOW' && err.message === 'body slower than 100 bytes per 200 ms');
    await t.close();
  });

  it('a silent body fails after bodyIdleMs', LIMIT, async () => {
    const t = transport({ ca, bodyIdleMs: 200 });
    const res = await get(t, '/trickle');
    await assert.rejects(res.body.text(), (err: Coded) => err.code === 'UND_ERR_BODY_TIMEOUT');
    await t.close();
  });

  it('keeps to `connections` per origin: a second request waits for the busy connection', LIMIT, async () => {
    const t = transport({ ca, connections: 1 });
    served.length = 0;
    const both = await Promise.all([text(t, '/held'), text(t, '/blob')]);
    assert.deepEqual(both, ['held', 'bytes']);
    assert.equal(new Set(served).size, 1);
    await t.close();
  });

  it('an idle pooled connection is closed after keepAliveMs', LIMIT, async () => {
    const t = transport({ ca, keepAliveMs: 200 });
    served.length = 0;
    assert.equal(await text(t, '/blob'), 'bytes');
    const socket = served[0] as Socket;
    // undici's own default is 4 s: 3 s tells them apart with room for a slow machine
    const closed = await Promise.race([
      new Promise((resolve) => socket.once('close', () => resolve(true))),
      new Promise((resolve) => setTimeout(() => resolve(false), 3000).unref()),
    ]);
    assert.equal(closed, true);
    await t.close();
  });

  it('close() closes the agent: a later request fails; closing an unused transport is a no-op', LIMIT, async () => {
    const t = transport({ ca });
    assert.equal(await text(t, '/blob'), 'bytes');
    await t.close();
    await assert.rejects(get(t, '/blob'), (err: Coded) => err.code === 'UND_ERR_CLOSED' || err.code === 'UND_ERR_DESTROYED');
    await transport().close();
  });
});
