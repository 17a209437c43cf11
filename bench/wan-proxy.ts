// A userspace WAN emulator (the kernel here has no netem): one TCP proxy per registry on 127.0.0.1.
// - connection setup costs one round trip: the client's bytes are not read before RTT has passed;
// - every chunk is delivered RTT/2 after it left, in order, in each direction;
// - each direction of a proxy is one link of `mbit` Mbit/s shared by all its connections: a chunk leaves
//   when the link is free and occupies it for size / rate (a token bucket holding one chunk);
// - a connection keeps at most WINDOW bytes queued per direction (then its sender is paused), as a TCP
//   window would, so the proxy neither buffers a whole layer nor lets a sender believe it was sent;
// - with `bufferMs`, the link's queue as a whole is bounded too (WanLink.bufferMs).
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

const WINDOW = 4 * 1024 * 1024;

export interface WanLink {
  readonly rttMs: number;
  readonly mbit: number;
  /**
   * The bottleneck's buffer, in ms of the link: while more bytes than that wait for the link, every sender
   * is paused (a full drop-tail queue makes TCP back off). Absent: only each connection's WINDOW bounds the
   * queue, so N busy connections queue up to N x WINDOW and a small request waits behind all of it.
   */
  readonly bufferMs?: number;
}

export interface WanProxy {
  readonly host: string;
  /** Bytes carried client -> upstream and upstream -> client since start. */
  bytes(): { up: number; down: number };
  stop(): Promise<void>;
}

/** One direction of the link, shared by every connection of a proxy. */
class Line {
  private freeAt = 0;
  carried = 0;
  constructor(
    private readonly bytesPerMs: number,
    private readonly bufferMs = Number.POSITIVE_INFINITY,
  ) {}
  /** How long until the bytes waiting for the link fit its buffer again (0: they fit now). */
  overBy(): number {
    return Math.max(0, this.freeAt - performance.now() - this.bufferMs);
  }
  /** When a chunk of `n` bytes handed over now has fully left the sender. */
  occupy(n: number): number {
    const start = Math.max(performance.now(), this.freeAt);
    this.freeAt = start + n / this.bytesPerMs;
    this.carried += n;
    return this.freeAt;
  }
}

/** Carries `from` to `to` over `line`, each chunk RTT/2 after it left, in order, at most WINDOW queued. */
function carry(from: Socket, to: Socket, line: Line, oneWayMs: number): void {
  const queue: Array<{ at: number; chunk: Buffer }> = [];
  let queued = 0;
  let ended = false;
  let scheduled = false;
  let recheck: NodeJS.Timeout | undefined;
  const maybeResume = () => {
    if (!from.isPaused() || queued >= WINDOW || recheck) return;
    const wait = line.overBy();
    if (wait === 0) from.resume();
    else
      recheck = setTimeout(() => {
        recheck = undefined;
        maybeResume();
      }, wait);
  };
  const schedule = (ms: number) => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(pump, Math.max(0, ms));
  };
  const pump = () => {
    scheduled = false;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.at <= now) {
      const { chunk } = queue.shift()!;
      queued -= chunk.length;
      if (!to.destroyed) to.write(chunk);
    }
    maybeResume();
    if (queue.length > 0) schedule(queue[0]!.at - now);
    else if (ended) to.end();
  };
  from.on('data', (chunk: Buffer) => {
    queue.push({ at: line.occupy(chunk.length) + oneWayMs, chunk });
    queued += chunk.length;
    if (queued >= WINDOW || line.overBy() > 0) {
      from.pause();
      maybeResume();
    }
    schedule(queue[0]!.at - performance.now());
  });
  from.on('end', () => {
    ended = true;
    schedule(0);
  });
}

/** Starts a proxy on 127.0.0.1:<free port> that forwards to `target` ("host:port") across the emulated link. */
export async function startWanProxy(target: string, link: WanLink): Promise<WanProxy> {
  const [host, port] = target.split(':') as [string, string];
  const bytesPerMs = (link.mbit * 1e6) / 8 / 1000;
  const up = new Line(bytesPerMs, link.bufferMs);
  const down = new Line(bytesPerMs, link.bufferMs);
  const sockets = new Set<Socket>();
  const server: Server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (client) => {
    sockets.add(client);
    setTimeout(() => {
      const upstream = createConnection({ host, port: Number(port), allowHalfOpen: true }, () => {
        client.setNoDelay(true);
        upstream.setNoDelay(true);
        carry(client, upstream, up, link.rttMs / 2);
        carry(upstream, client, down, link.rttMs / 2);
        client.resume();
      });
      sockets.add(upstream);
      const fail = () => {
        client.destroy();
        upstream.destroy();
      };
      upstream.on('error', fail).on('close', () => sockets.delete(upstream));
      client.on('error', fail).on('close', () => sockets.delete(client));
    }, link.rttMs);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => ({ up: up.carried, down: down.carried }),
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
