import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isRetryableNetworkError } from '../../../lib/registry/errors.js';
import { HttpTransport } from '../../../lib/http/index.js';

describe('HttpTransport', () => {
  let server: Server;
  let origin: string;
  const connections = new Set<string>();
  const received: Buffer[] = [];
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/json': (_req, res) => res.end('{"ok":true}'),
    '/silent': () => {},
    '/stall': (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('x'.repeat(10));
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
  };
  const transport = (over: Partial<ConstructorParameters<typeof HttpTransport>[0]> = {}) =>
    new HttpTransport({ connections: 2, connectMs: 2000, headersMs: 2000, bodyIdleMs: 2000, keepAliveMs: 5000, ...over });

  before(async () => {
    server = createServer((req, res) => {
      connections.add(`${req.socket.remotePort}`);
      routes[req.url ?? '']?.(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('reads json and text, and reuses one keep-alive connection', async () => {
    const t = transport();
    connections.clear();
    const a = await t.request({ origin, path: '/json', method: 'GET', headers: {} });
    assert.deepEqual(await a.body.json(), { ok: true });
    const b = await t.request({ origin, path: '/json', method: 'GET', headers: {} });
    assert.equal(await b.body.text(), '{"ok":true}');
    const c = await t.request({ origin, path: '/json', method: 'HEAD', headers: {} });
    await c.body.dump();
    assert.equal(c.statusCode, 200);
    assert.equal(connections.size, 1);
    await t.close();
  });

  it('fails a silent server with HEADERS_TIMEOUT and a stalled body with BODY_TIMEOUT, both retryable', async () => {
    const t = transport({ headersMs: 150, bodyIdleMs: 150 });
    await assert.rejects(t.request({ origin, path: '/silent', method: 'GET', headers: {} }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'HEADERS_TIMEOUT');
      assert.ok(isRetryableNetworkError(err));
      return true;
    });
    const res = await t.request({ origin, path: '/stall', method: 'GET', headers: {} });
    // a whole-body read names the URL (RegistryError); the transport's code is its cause's
    await assert.rejects(res.body.text(), (err: Error & { cause?: { code?: string } }) => err.cause?.code === 'BODY_TIMEOUT' && isRetryableNetworkError(err));
    await t.close();
  });

  it('sends a Buffer body with its length', async () => {
    const t = transport();
    const ok = await t.request({ origin, path: '/upload', method: 'PUT', headers: {}, body: Buffer.from('abcdef') });
    assert.equal(await ok.body.text(), 'stored');
    assert.equal(received.at(-1)?.toString(), 'abcdef');
    await t.close();
  });
});
