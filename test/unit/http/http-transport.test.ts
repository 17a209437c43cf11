import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HttpTransport, TransportError } from '../../../lib/http/index.js';
import { isRetryableNetworkError } from '../../../lib/registry/errors.js';
import { MAX_ERROR_BODY_BYTES, MAX_MANIFEST_BYTES } from '../../../lib/util/limits.js';
import { ensurePki } from '../../support/pki.js';
import { until } from '../../support/until.js';

type Options = ConstructorParameters<typeof HttpTransport>[0];
const LIMIT = { timeout: 10_000 };
const SLOW = 1500;
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('HttpTransport', () => {
  let plain: Server;
  let tls: TlsServer;
  let hang: NetServer;
  let origin: string;
  let tlsOrigin: string;
  let hangOrigin: string;
  let ca: string;
  const sockets = new Set<Socket>();
  const received: Buffer[] = [];
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/json': (_req, res) => res.end('{"ok":true}'),
    '/silent': () => {},
    '/stall': (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('x'.repeat(10));
    },
    // SLOW is well past the 800 ms bounds below, which a busy machine still connects and answers within
    '/late': (_req, res) => void setTimeout(() => res.end('late'), SLOW),
    '/slow-body': (_req, res) => {
      res.writeHead(200, { 'content-length': '4' });
      res.write('sl');
      setTimeout(() => res.end('ow'), SLOW);
    },
    '/upload': (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(Buffer.concat(chunks));
        res.end('stored');
      });
      req.on('error', () => {});
    },
    '/exact': (_req, res) => res.end(Buffer.alloc(MAX_ERROR_BODY_BYTES, 'e')),
    '/endless': (_req, res) => {
      res.writeHead(200);
      res.write(Buffer.alloc(4 * MAX_ERROR_BODY_BYTES, 'e'));
    },
    '/huge': (_req, res) => {
      res.writeHead(200, { 'content-length': String(MAX_MANIFEST_BYTES + 1) });
      res.write('{');
    },
  };
  /** The server side of each connection a request came in on, in order. */
  const served: Socket[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    served.push(req.socket);
    routes[req.url ?? '']?.(req, res);
  };
  const transport = (over: Partial<Options> = {}): HttpTransport =>
    new HttpTransport({ connections: 1, connectMs: 3000, headersMs: 3000, bodyIdleMs: 3000, keepAliveMs: 60_000, ...over });
  const get = (t: HttpTransport, path: string, at = origin) => t.request({ origin: at, path, method: 'GET', headers: {} });
  const listen = async (server: Server | NetServer): Promise<number> => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };

  before(async () => {
    const pki = await ensurePki();
    ca = readFileSync(pki.caCert, 'utf8');
    plain = createServer(handler);
    tls = createTlsServer({ key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert) }, handler);
    for (const s of [plain, tls]) {
      s.keepAliveTimeout = 60_000;
      s.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
    }
    // accepts TCP and never says a word: a TLS handshake against it never completes
    hang = createNetServer((socket) => sockets.add(socket));
    origin = `http://127.0.0.1:${await listen(plain)}`;
    tlsOrigin = `https://127.0.0.1:${await listen(tls)}`;
    hangOrigin = `https://127.0.0.1:${await listen(hang)}`;
  });
  after(() => {
    for (const s of sockets) s.destroy();
    plain.close();
    tls.close();
    hang.close();
  });

  it('reads json and text, and reuses one keep-alive connection', LIMIT, async () => {
    const t = transport({ connections: 2 });
    served.length = 0;
    const a = await get(t, '/json');
    assert.deepEqual(await a.body.json(), { ok: true });
    const b = await get(t, '/json');
    assert.equal(await b.body.text(), '{"ok":true}');
    const c = await t.request({ origin, path: '/json', method: 'HEAD', headers: {} });
    await c.body.dump();
    assert.equal(c.statusCode, 200);
    assert.equal(new Set(served).size, 1);
    await t.close();
  });

  it('sends a Buffer body with its length', LIMIT, async () => {
    const t = transport();
    const ok = await t.request({ origin, path: '/upload', method: 'PUT', headers: {}, body: Buffer.from('abcdef') });
    assert.equal(await ok.body.text(), 'stored');
    assert.equal(received.at(-1)?.toString(), 'abcdef');
    await t.close();
  });

  it('TransportError is retryable, coded and named TransportError', () => {
    const err = new TransportError('BODY_TIMEOUT', 'body silent for 1 ms');
    assert.deepEqual([err.code, err.retryable, err.name, err.message], ['BODY_TIMEOUT', true, 'TransportError', 'body silent for 1 ms']);
  });

  it('https: verifies against `ca`, refuses an unknown CA, and `insecure` skips verification', LIMIT, async () => {
    const trusted = transport({ ca });
    const res = await get(trusted, '/json', tlsOrigin);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await res.body.json(), { ok: true });
    const strict = transport();
    await assert.rejects(get(strict, '/json', tlsOrigin), (err: Error & { code?: string }) => /CERT|SIGNATURE|ISSUER/.test(err.code ?? ''));
    const insecure = transport({ insecure: true });
    assert.deepEqual(await (await get(insecure, '/json', tlsOrigin)).body.json(), { ok: true });
    await Promise.all([trusted.close(), strict.close(), insecure.close()]);
  });

  it('a request error before the response rejects (connection refused), and leaves no timer behind', LIMIT, async () => {
    const closed = createNetServer();
    const port = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const t = transport({ connectMs: 60_000, headersMs: 60_000 });
    const before = timers();
    await assert.rejects(get(t, '/json', `http://127.0.0.1:${port}`), (err: Error & { code?: string }) => err.code === 'ECONNREFUSED');
    // the connect and headers timers (60 s) are cleared when the socket closes
    await until('no timer left', () => timers() === before, 5000);
    await t.close();
  });

  it('no headers within headersMs: HEADERS_TIMEOUT naming the bound', LIMIT, async () => {
    const t = transport({ headersMs: 200 });
    await assert.rejects(get(t, '/silent'), (err: TransportError) => {
      assert.deepEqual([err.name, err.code, err.message], ['TransportError', 'HEADERS_TIMEOUT', 'no complete response headers within 200 ms']);
      assert.ok(isRetryableNetworkError(err));
      return true;
    });
    await t.close();
  });

  it('the headers deadline ends at the response: a body slower than headersMs is read whole', LIMIT, async () => {
    const t = transport({ headersMs: 800 });
    assert.equal(await (await get(t, '/slow-body')).body.text(), 'slow');
    await t.close();
  });

  it('a TLS handshake that never completes: CONNECT_TIMEOUT naming the bound (not the later headers deadline)', LIMIT, async () => {
    const t = transport({ connectMs: 200, headersMs: 5000, insecure: true });
    await assert.rejects(get(t, '/json', hangOrigin), (err: TransportError) => {
      assert.deepEqual([err.code, err.message], ['CONNECT_TIMEOUT', 'no connection within 200 ms']);
      return true;
    });
    await t.close();
  });

  it('the connect timer stops at the connection: a response later than connectMs arrives (http and https, fresh sockets)', LIMIT, async () => {
    const t = transport({ connectMs: 800, ca });
    const late = async (at: string): Promise<string> => (await get(t, '/late', at)).body.text();
    assert.deepEqual(await Promise.all([late(origin), late(tlsOrigin)]), ['late', 'late']);
    await t.close();
  });

  it('a pooled connection gets no connect timer: a slow response on a reused socket arrives', LIMIT, async () => {
    const t = transport({ connectMs: 800 });
    served.length = 0;
    await (await get(t, '/json')).body.text();
    assert.equal(await (await get(t, '/late')).body.text(), 'late');
    assert.equal(new Set(served).size, 1, 'the second request reused the connection');
    await t.close();
  });

  it('a silent body: BODY_TIMEOUT naming the bound, as the cause of the body error', LIMIT, async () => {
    const t = transport({ bodyIdleMs: 200 });
    const res = await get(t, '/stall');
    await assert.rejects(res.body.text(), (err: Error & { cause?: TransportError }) => {
      assert.deepEqual([err.cause?.code, err.cause?.message], ['BODY_TIMEOUT', 'body silent for 200 ms']);
      assert.ok(isRetryableNetworkError(err));
      return true;
    });
    await t.close();
  });

  it('a body below bodyRate: BODY_TOO_SLOW naming the rate, as the cause of the body error', LIMIT, async () => {
    const t = transport({ bodyRate: { windowMs: 200, minBytes: 100 } });
    const res = await get(t, '/stall');
    await assert.rejects(res.body.text(), (err: Error & { cause?: TransportError }) => {
      assert.deepEqual([err.cause?.code, err.cause?.message], ['BODY_TOO_SLOW', 'body slower than 100 bytes per 200 ms']);
      return true;
    });
    await t.close();
  });

  it('dump() returns at once for a body already read or destroyed', LIMIT, async () => {
    const t = transport();
    const read = await get(t, '/json');
    await read.body.text();
    await settle();
    await read.body.dump();
    const destroyed = await get(t, '/endless');
    destroyed.body.destroy();
    await settle();
    await destroyed.body.dump();
    await t.close();
  });

  it('dump() drains a body of exactly the error-body cap and keeps the connection', LIMIT, async () => {
    const t = transport();
    served.length = 0;
    await (await get(t, '/exact')).body.dump();
    await (await get(t, '/json')).body.dump();
    assert.deepEqual(await (await get(t, '/json')).body.json(), { ok: true });
    assert.equal(served.length, 3);
    assert.equal(new Set(served).size, 1, 'one connection for all three requests');
    await t.close();
  });

  it('dump() cuts off a body longer than the error-body cap (it never ends here) by destroying it', LIMIT, async () => {
    const t = transport({ bodyIdleMs: 60_000 }); // only the cap can end this dump within the test's limit
    const res = await get(t, '/endless');
    await res.body.dump();
    assert.ok(res.body.destroyed);
    await t.close();
  });

  it('text() and json() refuse more than MAX_MANIFEST_BYTES by default', LIMIT, async () => {
    const t = transport();
    for (const read of ['text', 'json'] as const) {
      const res = await get(t, '/huge');
      await assert.rejects(res.body[read](), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'HTTP_BODY_TOO_LARGE');
        assert.match(err.message, /: response body larger than 4 MiB$/);
        return true;
      });
    }
    await t.close();
  });

  it('close() ends the pooled connections (http and https)', LIMIT, async () => {
    const t = transport({ ca });
    served.length = 0;
    await (await get(t, '/json')).body.text();
    await (await get(t, '/json', tlsOrigin)).body.text();
    assert.equal(served.filter((s) => !s.destroyed).length, 2);
    const closed = served.map((s) => new Promise((resolve) => s.once('close', resolve)));
    await t.close();
    await Promise.all(closed);
  });
});
