import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startWanProxy, type WanProxy } from '../../bench/wan-proxy.js';

// The benchmark's WAN emulator must carry bytes intact and in order, both ways, and deliver what the
// server sends before it closes (a registry answering with `Connection: close`). No timing is asserted:
// the figures it produces are checked by the benchmark itself on a quiet machine.

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// with a bounded bottleneck queue (bufferMs) its senders are paused and resumed far more often: same checks
for (const bufferMs of [undefined, 2])
  describe(`bench WAN proxy${bufferMs ? `, ${bufferMs} ms of buffer` : ''}`, () => {
    let server: Server;
    let proxy: WanProxy;
    before(async () => {
      // replies with the SHA-256 of everything received, then 3 MiB of its own, then closes
      server = createServer({ allowHalfOpen: true }, (socket) => {
        const got: Buffer[] = [];
        socket.on('data', (d: Buffer) => got.push(d));
        socket.on('end', () => {
          const body = Buffer.concat(got);
          socket.write(`${sha(body)}\n`);
          socket.end(Buffer.alloc(3 * 1024 * 1024, 7));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      proxy = await startWanProxy(
        `127.0.0.1:${(server.address() as AddressInfo).port}`,
        bufferMs ? { rttMs: 10, mbit: 200, bufferMs } : { rttMs: 10, mbit: 2000 },
      );
    });
    after(async () => {
      await proxy.stop();
      await new Promise((resolve) => server.close(resolve));
    });

    it('relays 6 MiB up and 3 MiB down intact and in order, then the server close, on two connections at once', { timeout: 30_000 }, async () => {
      const once = async () => {
        const sent = randomBytes(6 * 1024 * 1024);
        const [host, port] = proxy.host.split(':') as [string, string];
        const socket = createConnection({ host, port: Number(port), allowHalfOpen: true });
        const got: Buffer[] = [];
        socket.on('data', (d: Buffer) => got.push(d));
        const closed = new Promise<void>((resolve, reject) => socket.on('end', () => resolve()).on('error', reject));
        socket.end(sent);
        await closed;
        const reply = Buffer.concat(got);
        const newline = reply.indexOf(10);
        assert.equal(reply.subarray(0, newline).toString(), sha(sent));
        assert.equal(reply.length - newline - 1, 3 * 1024 * 1024);
        assert.ok(reply.subarray(newline + 1).every((b) => b === 7));
      };
      await Promise.all([once(), once()]);
      assert.deepEqual(proxy.bytes(), { up: 12 * 1024 * 1024, down: 2 * (65 + 3 * 1024 * 1024) });
    });
  });
