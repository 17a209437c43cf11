import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Socket, type AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { RegistryClient, blobs } from '../../../lib/registry/index.js';
import { stoppable } from '../../support/http-server.js';
import { ensurePki } from '../../support/pki.js';
import { until } from '../../support/until.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * One port that speaks both https and plain http (it routes each connection by its first byte), as
 * a registry marked `insecure` may. Each test scripts both sides; `tlsMode` serves TLS, parks its
 * connections unanswered, or drops them.
 */
describe('an insecure registry is probed over https and http at once', { timeout: 20_000 }, () => {
  let host = '';
  let onTls: Handler = () => undefined;
  let onPlain: Handler = () => undefined;
  let tlsMode: 'serve' | 'hold' | 'drop' = 'serve';
  const held: Socket[] = [];
  const seen: Array<{ scheme: string; path: string; authorization?: string }> = [];
  const record = (scheme: string, handler: () => Handler) => (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ scheme, path: req.url ?? '', authorization: req.headers.authorization });
    handler()(req, res);
  };
  const plain = createHttpServer(record('http', () => onPlain));
  let tls: ReturnType<typeof createHttpsServer>;
  const front = createNetServer((socket) => {
    socket.once('readable', () => {
      const first = socket.read(1) as Buffer | null;
      if (!first) return void socket.destroy();
      socket.unshift(first);
      // 0x16: a TLS handshake record
      if (first[0] !== 0x16) return void plain.emit('connection', socket);
      if (tlsMode === 'hold') return void held.push(socket);
      if (tlsMode === 'drop') return void socket.destroy();
      tls.emit('connection', socket);
    });
  });
  const foreign: string[] = [];
  const thief = createHttpServer((req, res) => {
    foreign.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"stolen"}');
  });
  let thiefHost = '';
  const stops: Array<() => Promise<void>> = [];

  before(async () => {
    const pki = await ensurePki();
    tls = createHttpsServer(
      { cert: await readFile(pki.serverCert), key: await readFile(pki.serverKey) },
      record('https', () => onTls),
    );
    for (const server of [front, thief]) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      stops.push(stoppable(server as never));
    }
    host = `127.0.0.1:${(front.address() as AddressInfo).port}`;
    thiefHost = `127.0.0.1:${(thief.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const s of held) s.destroy();
    await Promise.all(stops.map((stop) => stop()));
  });
  beforeEach(() => {
    seen.length = 0;
    foreign.length = 0;
    tlsMode = 'serve';
  });

  it('a plain-http registry answers while the https handshake is still pending (no round trips spent on https first)', async () => {
    tlsMode = 'hold';
    onPlain = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    // the handshake is answered (refused) only once the plain ping has arrived: a client that waits for
    // https before trying http never gets there, and fails on this test's timeout
    const released = until('the plain ping', () => seen.some((s) => s.scheme === 'http' && s.path === '/v2/'), 15_000).then(() => {
      tlsMode = 'drop';
      for (const s of held.splice(0)) s.destroy();
    });
    const client = new RegistryClient({ registry: host, insecure: true, retry: { retries: 0 } });
    try {
      await client.ping();
      await released;
      assert.equal(client.baseUrl, `http://${host}`, 'the registry is reached over plain http');
    } finally {
      await client.close();
    }
  });

  it('times only the answer it used: the plain-http ping, not the https attempt that failed after it', async () => {
    tlsMode = 'hold';
    let releasedAt = 0;
    const released = new Promise<void>((resolve) => {
      onPlain = (_req, res) => {
        res.once('finish', () =>
          // the handshake fails well after the plain answer: a ping timed to the end of both takes longer
          setTimeout(() => {
            tlsMode = 'drop';
            releasedAt = performance.now();
            for (const s of held.splice(0)) s.destroy();
            resolve();
          }, 300),
        );
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      };
    });
    const client = new RegistryClient({ registry: host, insecure: true, retry: { retries: 0 } });
    try {
      const started = performance.now();
      await client.ping();
      await released;
      assert.ok(
        client.roundTripMs !== undefined && client.roundTripMs < releasedAt - started,
        `${client.roundTripMs} ms, the https attempt failed after ${releasedAt - started} ms`,
      );
    } finally {
      await client.close();
    }
  });

  it('learns the challenge of https only when https answers, even if plain http answers later with another realm (credentials stay with the registry)', async () => {
    let httpsAnswered = false;
    onTls = (req, res) => {
      if (req.url?.startsWith('/token?')) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"good"}');
      if (req.headers.authorization !== 'Bearer good') {
        httpsAnswered = true;
        return void res.writeHead(401, { 'www-authenticate': `Bearer realm="https://${host}/token",service="reg"` }).end();
      }
      res.writeHead(404).end();
    };
    // plain http answers last, naming a foreign realm: whoever learns it sends the password there. It
    // closes the connection: the client has read the answer once the server sees the close.
    let plainRead: () => void = () => undefined;
    const plainClosed = new Promise<void>((resolve) => (plainRead = resolve));
    onPlain = (req, res) => {
      req.socket.once('close', plainRead);
      void until('the https answer', () => httpsAnswered, 15_000).then(() =>
        res.writeHead(401, { connection: 'close', 'www-authenticate': `Bearer realm="http://${thiefHost}/steal",service="reg"` }).end(),
      );
    };
    const client = new RegistryClient({ registry: host, insecure: true, credentials: { username: 'u', password: 'secret-pw' }, retry: { retries: 0 } });
    try {
      await client.ping();
      await plainClosed;
      assert.equal(await blobs.headBlob(client, 'app', `sha256:${'1'.repeat(64)}`), false);
      assert.deepEqual(foreign, [], 'nothing reaches the realm named over plain http');
      assert.ok(
        seen.some((s) => s.scheme === 'https' && s.path.startsWith('/token?') && s.authorization?.startsWith('Basic ')),
        `the token comes from the https realm: ${JSON.stringify(seen)}`,
      );
    } finally {
      await client.close();
    }
  });

  it('opens `warm` connections of the request pool beside the ping of a TLS registry, without credentials', async () => {
    onTls = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    const ca = await readFile((await ensurePki()).caCert, 'utf8');
    const client = new RegistryClient({ registry: host, ca, warm: 4, credentials: { username: 'u', password: 'secret-pw' }, retry: { retries: 0 } });
    try {
      await client.ping();
      const pings = await until('three warm-up requests beside the ping', () => {
        const got = seen.filter((s) => s.scheme === 'https' && s.path === '/v2/');
        return got.length >= 4 && got;
      });
      assert.equal(pings.length, 4, 'warm: 4, the ping included');
      assert.ok(
        pings.every((p) => p.authorization === undefined),
        'no credentials on the ping or the warm-up',
      );
      assert.deepEqual(
        seen.filter((s) => s.scheme === 'http'),
        [],
        'a TLS registry is never probed over plain http',
      );
    } finally {
      await client.close();
    }
  });
});
