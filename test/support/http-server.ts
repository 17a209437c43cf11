import { type Agent, type IncomingHttpHeaders, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';

/** The whole request body; rejects once it passes `maxBytes` (a hostile or broken client), or on a stream error. */
export function readBody(req: IncomingMessage, maxBytes = Number.POSITIVE_INFINITY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) req.destroy(new Error(`request body larger than ${maxBytes} bytes`));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Listens on a free port of 127.0.0.1; resolves `127.0.0.1:PORT`, rejects when the server cannot listen. */
export function listen(server: NetServer): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

/** Tracks the server's connections; the returned `stop` destroys them (keep-alive too) and closes it. */
export function stoppable(server: Server): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

/** Where a proxy forwards to. */
export interface Upstream {
  /** The upstream's origin, http or https. */
  readonly target: URL;
  /** The proxy's own origin: a Location on the upstream's origin is rewritten to it. */
  readonly self: string;
  /** The CA to trust for an https upstream. */
  readonly ca?: string;
  readonly agent?: Agent;
}

/**
 * Sends `req` (method, path, headers with the upstream's Host, body) on to the upstream and answers `res`
 * with its answer; `answer` replaces the default (write the status and headers, pipe the body), e.g. to
 * cut the body short. An upstream that fails before `res` has its headers gets a 502; after, `res` is destroyed.
 */
export function forward(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: Upstream,
  answer = (up: IncomingMessage, headers: IncomingHttpHeaders): void => {
    res.writeHead(up.statusCode ?? 502, headers);
    up.pipe(res);
  },
): void {
  const { target, self } = upstream;
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const options = { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } };
  const out = send({ ...options, ...(upstream.ca ? { ca: upstream.ca } : {}), ...(upstream.agent ? { agent: upstream.agent } : {}) }, (up) => {
    const location = up.headers.location;
    const moved = location !== undefined && (location === target.origin || location.startsWith(`${target.origin}/`));
    answer(up, moved ? { ...up.headers, location: self + location.slice(target.origin.length) } : up.headers);
  });
  out.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy: ${error.message}`);
    else res.destroy(error);
  });
  req.pipe(out);
}
