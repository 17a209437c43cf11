import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CloudFake } from './server.js';

/**
 * COS bucket operations over the stand-in's object map, as COS answers them:
 * - PUT Bucket (https://cloud.tencent.com/document/product/436/7738): `x-cos-acl` private | public-read |
 *   public-read-write; a bucket the account already owns: 409 BucketAlreadyOwnedByYou (another account's: BucketAlreadyExists);
 *   a name that is not `<name>-<appid>`: 400 InvalidBucketName.
 * - HEAD Bucket (436/7735): 200, or 404 without a body.
 * - DELETE Bucket (436/7732): 404 NoSuchBucket; 409 BucketNotEmpty while it holds objects; 204.
 * - PUT/GET Bucket tagging (436/34838, 436/34837): GET of a bucket without tags: 404 NoSuchTagSet.
 * - PUT Bucket lifecycle (436/8280): Content-MD5 is required (400 MissingContentMD5 / InvalidDigest).
 * - Object calls on a bucket that does not exist: 404 NoSuchBucket (error codes, 436/7730).
 * Object tags given at upload (`x-cos-tagging`, PUT Object 436/7749) are kept in `objectTags`.
 */
export interface BucketModel {
  readonly buckets: Map<string, { acl: string; tags?: string; lifecycle?: string }>;
  readonly objectTags: Map<string, string>;
}

const error = (res: ServerResponse, status: number, code: string, message: string) =>
  res
    .writeHead(status, { 'content-type': 'application/xml' })
    .end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);

export function installBuckets(cloud: CloudFake): BucketModel {
  const model: BucketModel = { buckets: new Map(), objectTags: new Map() };
  cloud.cosBuckets = (req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): boolean => {
    const bucket = url.hostname.split('.')[0]!;
    const b = model.buckets.get(bucket);
    const query = [...url.searchParams.keys()];
    if (url.pathname !== '/') {
      if (!b) return (error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist.'), true);
      const tagging = req.headers['x-cos-tagging'];
      if (req.method === 'PUT' && tagging) model.objectTags.set(`${bucket}${decodeURIComponent(url.pathname)}`, String(tagging));
      return false;
    }
    if (req.method === 'PUT' && !query.length) {
      if (!/^[a-z0-9-]{1,50}-\d+$/.test(bucket)) return (error(res, 400, 'InvalidBucketName', 'The specified bucket is not valid.'), true);
      if (b) return (error(res, 409, 'BucketAlreadyOwnedByYou', 'The bucket you tried to create already exists, and you own it.'), true);
      const acl = String(req.headers['x-cos-acl'] ?? 'private');
      if (!['private', 'public-read', 'public-read-write'].includes(acl)) return (error(res, 400, 'InvalidArgument', 'x-cos-acl'), true);
      model.buckets.set(bucket, { acl });
      return (res.writeHead(200).end(), true);
    }
    if (!b) {
      if (req.method === 'HEAD') return (res.writeHead(404).end(), true);
      return (error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist.'), true);
    }
    if (req.method === 'HEAD' && !query.length) return (res.writeHead(200).end(), true);
    if (req.method === 'DELETE' && !query.length) {
      if ([...cloud.objects.keys()].some((k) => k.startsWith(`${bucket}/`)))
        return (error(res, 409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty.'), true);
      model.buckets.delete(bucket);
      return (res.writeHead(204).end(), true);
    }
    if (query.includes('tagging')) {
      if (req.method === 'PUT') return ((b.tags = body.toString()), res.writeHead(200).end(), true);
      if (req.method === 'GET') {
        if (!b.tags) return (error(res, 404, 'NoSuchTagSet', 'There is no tag set.'), true);
        return (res.writeHead(200, { 'content-type': 'application/xml' }).end(b.tags), true);
      }
    }
    if (query.includes('lifecycle')) {
      if (req.method === 'PUT') {
        const md5 = req.headers['content-md5'];
        if (!md5) return (error(res, 400, 'MissingContentMD5', 'Content-MD5 is required.'), true);
        if (md5 !== createHash('md5').update(body).digest('base64')) return (error(res, 400, 'InvalidDigest', 'Content-MD5 does not match.'), true);
        return ((b.lifecycle = body.toString()), res.writeHead(200).end(), true);
      }
      if (req.method === 'GET') {
        if (!b.lifecycle) return (error(res, 404, 'NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist.'), true);
        return (res.writeHead(200, { 'content-type': 'application/xml' }).end(b.lifecycle), true);
      }
    }
    return false;
  };
  return model;
}
