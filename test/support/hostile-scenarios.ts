import type { IncomingMessage, ServerResponse } from 'node:http';
import { sha256 } from './images.js';

/**
 * The hostile registry's misbehaviours beyond credentials (findings 2 to 4 of the hostile-registry
 * review). Each one answers some requests of the registry in `serveScenario`; the rest is the normal
 * registry of hostile-registry.ts.
 * - `tags-new-pages`: every tags/list page holds 1,000 new long tags and links to a new page, forever.
 * - `tags-self-link`: the tags/list page links to itself.
 * - `catalog-link-loop`: `_catalog` page 1 links to page 2, which links back to page 1.
 * - `tags-endless-body`: a tags/list 200 whose JSON body never ends.
 * - `token-endless`: a Bearer challenge whose realm (the registry itself) answers with an endless body.
 * - `token-html`: the same realm answers 200 with an HTML page (a login portal) instead of a token.
 * - `error-endless`: a manifest GET answered 500 with an endless body.
 * - `index-dag-repeat`: the tag is an index whose 12 entries all name one index, and so on 4 levels
 *   down to the image (a DAG of 6 manifests with 12^4 paths).
 * - `index-too-deep`: the tag is an index nesting indexes 12 levels deep.
 * - `headers-trickle`: manifest answers trickle their status line and headers one byte per `trickleMs`.
 * - `body-trickle`: manifest GETs send their headers, then the body one byte per `trickleMs`.
 * - `blob-trickle`: blob GETs send their headers, then the body one byte per `trickleMs`.
 * - `manifest-refused`: a manifest PUT is answered 400 MANIFEST_INVALID (a registry that does not take
 *   OCI manifests, as distribution before 2.7 and old Harbor answered).
 * - `rate-limited`: manifest GETs and HEADs are answered 429 TOOMANYREQUESTS (`Retry-After: 0`), as
 *   Docker Hub answers an anonymous client over its pull limit.
 * - `storage-full`: a manifest PUT is answered 500 UNKNOWN with a full-disk `detail` (`Retry-After: 0`),
 *   as distribution's filesystem driver reports ENOSPC.
 * - `hostile-tags`: tags/list names `..`, `.`, a newline and an escape sequence besides `v1`.
 * - `hostile-catalog`: `_catalog` names paths that climb, are absolute, encoded or hold a newline.
 */
export type HostileBehaviour =
  | 'tags-new-pages'
  | 'tags-self-link'
  | 'catalog-link-loop'
  | 'tags-endless-body'
  | 'token-endless'
  | 'token-html'
  | 'error-endless'
  | 'index-dag-repeat'
  | 'index-too-deep'
  | 'headers-trickle'
  | 'body-trickle'
  | 'blob-trickle'
  | 'hostile-tags'
  | 'hostile-catalog'
  | 'manifest-refused'
  | 'rate-limited'
  | 'storage-full';

export const HOSTILE_TAGS = ['..', '.', 'v1', 'a\nb', '\u001b[31mred', '-x', 'v1/../../etc'];
export const HOSTILE_REPOSITORIES = ['../../etc', 'a/../../b', '%2e%2e/x', 'foo\nbar', '/abs', 'a//b', 'UPPER/case', 'hostile/app'];

const INDEX = 'application/vnd.oci.image.index.v1+json';

/** What a scenario needs of the registry: its image, its manifests (added to), where it listens. */
export interface ScenarioContext {
  readonly behaviour: string;
  readonly image: { readonly repository: string; readonly tag: string; digest: string };
  readonly manifests: Map<string, Buffer>;
  readonly self: () => string;
  readonly trickleMs: number;
}

/** Chains of indexes over the image manifest, for the index scenarios; the tag then names the top one. */
export function prepareScenario(ctx: ScenarioContext): void {
  const levels = ctx.behaviour === 'index-dag-repeat' ? 5 : ctx.behaviour === 'index-too-deep' ? 12 : 0;
  const fanOut = ctx.behaviour === 'index-dag-repeat' ? 12 : 1;
  let child = { digest: ctx.image.digest, bytes: ctx.manifests.get(`${ctx.image.repository}:${ctx.image.digest}`)! };
  for (let level = 0; level < levels; level++) {
    const platform = level === 0 ? { platform: { os: 'linux', architecture: 'amd64' } } : {};
    const entry = {
      mediaType: level === 0 ? 'application/vnd.oci.image.manifest.v1+json' : INDEX,
      digest: child.digest,
      size: child.bytes.length,
      ...platform,
    };
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: Array.from({ length: fanOut }, () => entry) }));
    child = { digest: sha256(bytes), bytes };
    ctx.manifests.set(`${ctx.image.repository}:${child.digest}`, bytes);
  }
  if (levels === 0) return;
  ctx.manifests.set(`${ctx.image.repository}:${ctx.image.tag}`, child.bytes);
  ctx.image.digest = child.digest;
}

/** Answers `req` when the scenario misbehaves there; false when the normal registry should answer. */
export function serveScenario(ctx: ScenarioContext, req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const path = url.pathname;
  const tags = /^\/v2\/.+\/tags\/list$/.test(path);
  const manifest = /^\/v2\/.+\/manifests\//.test(path);
  switch (ctx.behaviour) {
    case 'manifest-refused':
      return (
        manifest &&
        req.method === 'PUT' &&
        refuse(res, 400, { code: 'MANIFEST_INVALID', message: 'manifest invalid', detail: 'unsupported manifest media type' })
      );
    case 'rate-limited':
      return (
        manifest &&
        refuse(res, 429, {
          code: 'TOOMANYREQUESTS',
          message: 'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading',
        })
      );
    case 'storage-full':
      return (
        manifest &&
        req.method === 'PUT' &&
        refuse(res, 500, {
          code: 'UNKNOWN',
          message: 'unknown error',
          detail: { DriverName: 'filesystem', Enclosed: { Op: 'mkdir', Path: '/var/lib/registry/docker', Err: 'no space left on device' } },
        })
      );
    case 'tags-new-pages':
      if (!tags) return false;
      return page(
        res,
        { name: 'x', tags: newTags(Number(url.searchParams.get('last') ?? 0)) },
        `<${path}?n=1000&last=${Number(url.searchParams.get('last') ?? 0) + 1}>; rel="next"`,
      );
    case 'tags-self-link':
      return tags && page(res, { name: 'x', tags: [ctx.image.tag] }, `<${path}${url.search}>; rel="next"`);
    case 'catalog-link-loop':
      if (path !== '/v2/_catalog') return false;
      return page(
        res,
        { repositories: [ctx.image.repository] },
        url.searchParams.has('last') ? '</v2/_catalog?n=1000>; rel="next"' : '</v2/_catalog?last=a&n=1000>; rel="next"',
      );
    case 'tags-endless-body':
      return tags && endless(res, 200, '{"name":"x","tags":["', '"v1","v1","v1",');
    case 'token-endless':
      if (path === '/token') return endless(res, 200, '{"token":"', 'abcdefghijklmnopqrstuvwxyz');
      return req.headers.authorization?.startsWith('Bearer ') ? false : challenge(res, ctx.self());
    case 'token-html':
      if (path === '/token') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><body>Please sign in</body></html>');
        return true;
      }
      return req.headers.authorization?.startsWith('Bearer ') ? false : challenge(res, ctx.self());
    case 'error-endless':
      return manifest && req.method === 'GET' && endless(res, 500, '{"errors":[{"code":"UNKNOWN","message":"', 'the registry is having a bad day ');
    case 'headers-trickle':
      return manifest && trickle(res, ctx.trickleMs, Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}'), 0);
    case 'body-trickle':
    case 'blob-trickle': {
      const wanted = ctx.behaviour === 'body-trickle' ? manifest : /\/blobs\/sha256:/.test(path);
      if (!wanted || req.method !== 'GET') return false;
      return trickle(
        res,
        ctx.trickleMs,
        Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: 1000000\r\n\r\n${'x'.repeat(1000)}`),
        95,
      );
    }
    case 'hostile-tags':
      return tags && page(res, { name: ctx.image.repository, tags: HOSTILE_TAGS });
    case 'hostile-catalog':
      return path === '/v2/_catalog' && page(res, { repositories: HOSTILE_REPOSITORIES });
    default:
      return false;
  }
}

/** 1,000 distinct tags of 100 characters for page `n`. */
function newTags(n: number): string[] {
  return Array.from({ length: 1000 }, (_, i) => `p${n}-${i}-`.padEnd(100, 'x'));
}

function page(res: ServerResponse, body: unknown, link?: string): true {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(link ? { link } : {}) });
  res.end(text);
  return true;
}

function challenge(res: ServerResponse, self: string): true {
  const text = JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
  res.writeHead(401, {
    'content-type': 'application/json',
    'content-length': text.length,
    'www-authenticate': `Bearer realm="${self}/token",service="hostile"`,
  });
  res.end(text);
  return true;
}

/** A chunked body that starts with `head` and repeats `unit` until the client goes away. */
function endless(res: ServerResponse, status: number, head: string, unit: string): true {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.write(head);
  const chunk = unit.repeat(Math.ceil(65536 / unit.length));
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
  return true;
}

/** Writes `bytes` raw on the socket: the first `fast` at once, then one byte per `everyMs`. */
function trickle(res: ServerResponse, everyMs: number, bytes: Buffer, fastFrom: number): true {
  const socket = res.socket!;
  const start = fastFrom ? bytes.indexOf('\r\n\r\n') + 4 + fastFrom : 0;
  if (start) socket.write(bytes.subarray(0, start));
  let at = start;
  const timer = setInterval(() => {
    if (socket.destroyed || at >= bytes.length) return clearInterval(timer);
    socket.write(bytes.subarray(at, ++at));
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
  return true;
}

/** A distribution error body with `Retry-After: 0`, so the client's retries cost no time. */
function refuse(res: ServerResponse, status: number, error: Record<string, unknown>): true {
  const text = JSON.stringify({ errors: [error] });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'retry-after': '0' });
  res.end(text);
  return true;
}
