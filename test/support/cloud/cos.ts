import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const sha1hex = (s: string) => createHash('sha1').update(s).digest('hex');
const hmacSha1hex = (k: string, s: string) => createHmac('sha1', k).update(s).digest('hex');
const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Verifies the COS `q-sign-algorithm=sha1` Authorization (https://cloud.tencent.com/document/api/436/7778). */
export function verifyCosSignature(req: IncomingMessage, url: URL, secrets: Record<string, string>, tokens: Set<string>): string | undefined {
  const auth = Object.fromEntries(
    String(req.headers.authorization ?? '')
      .split('&')
      .map((kv) => kv.split('=') as [string, string]),
  );
  const secretKey = secrets[auth['q-ak'] ?? ''];
  if (auth['q-sign-algorithm'] !== 'sha1' || !secretKey) return 'InvalidAccessKeyId';
  const [, end] = (auth['q-key-time'] ?? '').split(';').map(Number);
  if (!end || end < Date.now() / 1000) return 'RequestTimeTooSkewed';
  const token = req.headers['x-cos-security-token'];
  if (token !== undefined && !tokens.has(String(token))) return 'InvalidToken';
  const pick = (list: string | undefined, get: (k: string) => string | undefined) =>
    (list ? list.split(';') : [])
      .filter(Boolean)
      .sort()
      .map((k) => `${k}=${enc(get(k) ?? '')}`)
      .join('&');
  const params = pick(auth['q-url-param-list'], (k) => [...url.searchParams].find(([n]) => n.toLowerCase() === k)?.[1]);
  const headers = pick(auth['q-header-list'], (k) => (k === 'host' ? url.host : String(req.headers[k] ?? '')));
  const httpString = `${(req.method ?? '').toLowerCase()}\n${decodeURIComponent(url.pathname)}\n${params}\n${headers}\n`;
  const toSign = `sha1\n${auth['q-sign-time']}\n${sha1hex(httpString)}\n`;
  return hmacSha1hex(hmacSha1hex(secretKey, auth['q-key-time'] ?? ''), toSign) === auth['q-signature'] ? undefined : 'SignatureDoesNotMatch';
}

/** PUT times per object map (kept beside the map so the server's signature stays as it is). */
const putTimes = new WeakMap<Map<string, Buffer>, Map<string, number>>();
const modifiedAt = (objects: Map<string, Buffer>): Map<string, number> => putTimes.get(objects) ?? putTimes.set(objects, new Map()).get(objects)!;
/** As COS lists it: ISO 8601 in whole seconds; objects put before times were kept get a fixed date. */
const lastModified = (objects: Map<string, Buffer>, id: string): string => {
  const at = modifiedAt(objects).get(id);
  return at === undefined ? '2026-11-28T00:00:00.000Z' : new Date(Math.floor(at / 1000) * 1000).toISOString();
};

const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Minimal COS object API over a Map: PUT/GET/HEAD/DELETE object, GET bucket (list) with prefix and marker.
 * `now` is COS's clock: PUT times (LastModified) and every response's Date header.
 */
export function handleCos(objects: Map<string, Buffer>, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, now: () => number = Date.now): void {
  res.setHeader('date', new Date(now()).toUTCString());
  const bucket = url.hostname.split('.')[0]!;
  const key = decodeURIComponent(url.pathname.slice(1));
  const id = `${bucket}/${key}`;
  if (req.method === 'PUT') {
    // COS create-only write (https://cloud.tencent.com/document/product/436/7749): 409 when the key exists
    if (String(req.headers['x-cos-forbid-overwrite'] ?? '').toLowerCase() === 'true' && objects.has(id)) {
      return void res
        .writeHead(409, { 'content-type': 'application/xml' })
        .end('<Error><Code>FileAlreadyExists</Code><Message>The object already exists.</Message></Error>');
    }
    modifiedAt(objects).set(id, now());
    objects.set(id, body);
    res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` }).end();
  } else if ((req.method === 'GET' || req.method === 'HEAD') && key) {
    const obj = objects.get(id);
    if (!obj)
      return void res
        .writeHead(404, { 'content-type': 'application/xml' })
        .end('<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
    res.writeHead(200, { 'content-length': obj.length, 'content-type': 'application/octet-stream' }).end(req.method === 'GET' ? obj : undefined);
  } else if (req.method === 'DELETE') {
    objects.delete(id);
    res.writeHead(204).end();
  } else if (req.method === 'GET') {
    const prefix = url.searchParams.get('prefix') ?? '';
    const marker = url.searchParams.get('marker') ?? '';
    const max = Number(url.searchParams.get('max-keys') ?? 1000);
    const all = [...objects.keys()]
      .filter((k) => k.startsWith(`${bucket}/${prefix}`))
      .map((k) => k.slice(bucket.length + 1))
      .filter((k) => k > marker)
      .sort();
    const page = all.slice(0, max);
    const truncated = all.length > page.length;
    const contents = page
      .map(
        (k) =>
          `<Contents><Key>${xml(k)}</Key><Size>${objects.get(`${bucket}/${k}`)!.length}</Size><ETag>"x"</ETag><LastModified>${lastModified(objects, `${bucket}/${k}`)}</LastModified></Contents>`,
      )
      .join('');
    res
      .writeHead(200, { 'content-type': 'application/xml' })
      .end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucket}</Name><Prefix>${xml(prefix)}</Prefix><Marker>${xml(marker)}</Marker><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextMarker>${xml(page.at(-1)!)}</NextMarker>` : ''}${contents}</ListBucketResult>`,
      );
  } else {
    res.writeHead(405).end();
  }
}
