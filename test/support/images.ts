import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { describeLayer, layerStream } from './layer-blob.js';
import { drain, RawHttp, type Endpoint, type RawBody } from './raw-http.js';

export type { Auth, Endpoint } from './raw-http.js';

export interface LayerSpec {
  seed: string;
  /** Bytes of the one file inside the layer's tar; the tar+gzip blob is about 1.5 KiB + 0.01 % larger. */
  size: number;
}

export interface ImageSpec {
  format: 'oci' | 'docker';
  layers: LayerSpec[];
  /** e.g. ['linux/amd64', 'linux/arm64/v8']: push an index / manifest list; platform P uses seeds `${seed}@P`. */
  platforms?: string[];
  /** The config's `created` (ISO time). @default 2024-01-01T00:00:00Z */
  created?: string;
}

export interface PushedChild {
  digest: string;
  platform: string;
  mediaType: string;
  size: number;
}

export interface PushedImage {
  repo: string;
  tag: string;
  /** Digest of the root manifest (the index for multi-platform images). */
  digest: string;
  mediaType: string;
  manifestBytes: Buffer;
  children?: PushedChild[];
  /** Every blob digest (configs and layers), without duplicates. */
  blobs: string[];
}

export const ManifestTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

const ACCEPT = Object.values(ManifestTypes).join(', ');
const FORMATS = {
  oci: {
    manifest: ManifestTypes.ociManifest,
    index: ManifestTypes.ociIndex,
    config: 'application/vnd.oci.image.config.v1+json',
    layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  },
  docker: {
    manifest: ManifestTypes.dockerManifest,
    index: ManifestTypes.dockerList,
    config: 'application/vnd.docker.container.image.v1+json',
    layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  },
} as const;
const CREATED = '2024-01-01T00:00:00Z';

type Format = (typeof FORMATS)[keyof typeof FORMATS];
interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Pushes a deterministic image: blobs (skipped when present), child manifests by digest, then the tag. */
export async function pushImage(reg: Endpoint, repo: string, tag: string, spec: ImageSpec): Promise<PushedImage> {
  const http = new RawHttp(reg);
  const format = FORMATS[spec.format];
  const blobs = new Set<string>();
  if (!spec.platforms) {
    const m = await pushPlatformImage(http, repo, tag, format, spec.layers, parsePlatform('linux/amd64'), blobs, spec.created);
    return { repo, tag, digest: m.digest, mediaType: format.manifest, manifestBytes: m.bytes, blobs: [...blobs] };
  }
  const children: PushedChild[] = [];
  const descriptors: object[] = [];
  for (const name of spec.platforms) {
    const platform = parsePlatform(name);
    const layers = spec.layers.map((l) => ({ seed: `${l.seed}@${name}`, size: l.size }));
    const m = await pushPlatformImage(http, repo, undefined, format, layers, platform, blobs, spec.created);
    children.push({ digest: m.digest, platform: name, mediaType: format.manifest, size: m.bytes.length });
    descriptors.push({ mediaType: format.manifest, digest: m.digest, size: m.bytes.length, platform });
  }
  const index = manifestJson({ schemaVersion: 2, mediaType: format.index, manifests: descriptors });
  const digest = await putManifest(http, repo, tag, format.index, index);
  return { repo, tag, digest, mediaType: format.index, manifestBytes: index, children, blobs: [...blobs] };
}

async function pushPlatformImage(
  http: RawHttp,
  repo: string,
  tag: string | undefined,
  format: Format,
  layers: LayerSpec[],
  platform: Platform,
  blobs: Set<string>,
  created = CREATED,
): Promise<{ digest: string; bytes: Buffer }> {
  const described = await Promise.all(layers.map((l) => describeLayer(l.seed, l.size)));
  await Promise.all(layers.map((l, i) => uploadBlob(http, repo, described[i]!.digest, described[i]!.size, () => layerStream(l.seed, l.size))));
  const config = Buffer.from(
    JSON.stringify({
      created,
      ...platform,
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: described.map((d) => d.diffId) },
      history: described.map(() => ({ created, created_by: 'test/support/images.ts' })),
    }),
  );
  const configDigest = sha256(config);
  await uploadBlob(http, repo, configDigest, config.length, config);
  for (const d of [configDigest, ...described.map((x) => x.digest)]) blobs.add(d);
  const bytes = manifestJson({
    schemaVersion: 2,
    mediaType: format.manifest,
    config: { mediaType: format.config, digest: configDigest, size: config.length },
    layers: described.map((d) => ({ mediaType: format.layer, digest: d.digest, size: d.size })),
  });
  const digest = await putManifest(http, repo, tag ?? sha256(bytes), format.manifest, bytes);
  return { digest, bytes };
}

/** HEAD, then POST + monolithic PUT `?digest=`; a body factory lets the PUT be streamed and retried. */
async function uploadBlob(http: RawHttp, repo: string, digest: string, size: number, body: RawBody): Promise<void> {
  const head = await http.send('HEAD', `/v2/${repo}/blobs/${digest}`);
  if (head.status === 200) return;
  const post = await http.send('POST', `/v2/${repo}/blobs/uploads/`);
  const location = post.headers.location;
  if (post.status !== 202 || !location) throw httpError('POST upload', repo, post.status, post.body);
  const url = new URL(location, http.endpoint.url);
  url.searchParams.set('digest', digest);
  const put = await http.send('PUT', url.href, {
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body,
  });
  if (put.status !== 201) throw httpError(`PUT blob ${digest}`, repo, put.status, put.body);
}

async function putManifest(http: RawHttp, repo: string, reference: string, mediaType: string, bytes: Buffer): Promise<string> {
  const res = await http.send('PUT', `/v2/${repo}/manifests/${reference}`, { headers: { 'content-type': mediaType }, body: bytes });
  if (res.status !== 201) throw httpError(`PUT manifest ${reference}`, repo, res.status, res.body);
  const digest = sha256(bytes);
  const answered = res.headers['docker-content-digest'];
  if (answered && answered !== digest) throw new Error(`registry digest ${answered} != computed ${digest} (${repo}:${reference})`);
  return digest;
}

export interface ManifestResult {
  status: number;
  digest?: string;
  mediaType?: string;
  bytes?: Buffer;
}

/** GET a manifest with all four manifest types in Accept; `digest` is the sha256 of the bytes received. */
export async function getManifestRaw(reg: Endpoint, repo: string, reference: string): Promise<ManifestResult> {
  const res = await new RawHttp(reg).send('GET', `/v2/${repo}/manifests/${reference}`, { headers: { accept: ACCEPT } });
  if (res.status !== 200) return { status: res.status };
  return { status: 200, digest: sha256(res.body), mediaType: res.headers['content-type'], bytes: res.body };
}

/** HEAD a manifest; `digest` is the registry's Docker-Content-Digest. */
export async function headManifest(
  reg: Endpoint,
  repo: string,
  reference: string,
): Promise<{ status: number; digest?: string; mediaType?: string; size?: number }> {
  const res = await new RawHttp(reg).send('HEAD', `/v2/${repo}/manifests/${reference}`, { headers: { accept: ACCEPT } });
  if (res.status !== 200) return { status: res.status };
  const length = res.headers['content-length'];
  return {
    status: 200,
    digest: res.headers['docker-content-digest'],
    mediaType: res.headers['content-type'],
    size: length === undefined ? undefined : Number(length),
  };
}

export async function headBlob(reg: Endpoint, repo: string, digest: string): Promise<number> {
  return (await new RawHttp(reg).send('HEAD', `/v2/${repo}/blobs/${digest}`)).status;
}

/** Streams a blob and hashes it: the sha256 and size of what the registry actually served. */
export async function fetchBlobDigest(reg: Endpoint, repo: string, digest: string): Promise<{ status: number; digest?: string; size?: number }> {
  const res = await new RawHttp(reg).open('GET', `/v2/${repo}/blobs/${digest}`);
  if (res.status !== 200) {
    await drain(res.body);
    return { status: res.status };
  }
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of res.body) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { status: 200, digest: `sha256:${hash.digest('hex')}`, size };
}

/** Tags of a repository, sorted (distribution 2.8 returns them unsorted); [] when the repo is unknown. */
export async function listTags(reg: Endpoint, repo: string): Promise<string[]> {
  const res = await new RawHttp(reg).send('GET', `/v2/${repo}/tags/list`);
  if (res.status === 404) return [];
  if (res.status !== 200) throw httpError('GET tags', repo, res.status, res.body);
  return ((JSON.parse(res.body.toString('utf8')) as { tags?: string[] | null }).tags ?? []).sort();
}

/** Flips bytes of the blob's data file in place: same size, different content, served under the old digest. */
export async function corruptBlob(registry: { blobPath(digest: string): string }, digest: string): Promise<void> {
  const path = registry.blobPath(digest);
  const { size } = await stat(path);
  if (size === 0) throw new Error(`corruptBlob: ${digest} is empty`);
  const file = await open(path, 'r+');
  try {
    for (const offset of new Set([0, Math.floor(size / 2), size - 1])) {
      const byte = Buffer.alloc(1);
      await file.read(byte, 0, 1, offset);
      byte[0] = byte[0]! ^ 0xff;
      await file.write(byte, 0, 1, offset);
    }
  } finally {
    await file.close();
  }
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function manifestJson(value: object): Buffer {
  // Indented like Docker's own lists, so a client that re-serialises manifests changes their digests.
  return Buffer.from(JSON.stringify(value, null, 3));
}

function parsePlatform(name: string): Platform {
  const [os, architecture, variant] = name.split('/');
  if (!os || !architecture) throw new Error(`bad platform '${name}' (want os/arch[/variant])`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

function httpError(what: string, repo: string, status: number, body: Buffer): Error {
  return new Error(`${what} in ${repo}: HTTP ${status} ${body.toString('utf8').slice(0, 300)}`);
}
