import { createHash } from 'node:crypto';
import { RawHttp, type Endpoint } from './raw-http.js';
import { sha256 } from './images.js';

/**
 * Generated attachments shaped like cosign's and like OCI 1.1 artifacts, pushed with plain HTTP.
 * The signatures are deterministic stand-ins (sha256 of seed + payload), never verified by anyone.
 */

export const AttachTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  empty: 'application/vnd.oci.empty.v1+json',
  simpleSigning: 'application/vnd.dev.cosign.simplesigning.v1+json',
  dsse: 'application/vnd.dsse.envelope.v1+json',
  spdx: 'application/spdx+json',
  cosignSig: 'application/vnd.dev.cosign.artifact.sig.v1+json',
} as const;

export interface Pushed {
  digest: string;
  size: number;
  bytes: Buffer;
  mediaType: string;
  /** Every blob it references. */
  blobs: string[];
  tag?: string;
  artifactType?: string;
}

export interface DescriptorJson {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

const tagOf = (digest: string, suffix = ''): string => `${digest.replace(':', '-')}${suffix}`;

/** HEAD, then POST + monolithic PUT `?digest=`. */
export async function pushBlob(reg: Endpoint, repo: string, bytes: Buffer): Promise<DescriptorJson & { digest: string }> {
  const http = new RawHttp(reg);
  const digest = sha256(bytes);
  const head = await http.send('HEAD', `/v2/${repo}/blobs/${digest}`);
  if (head.status !== 200) {
    const post = await http.send('POST', `/v2/${repo}/blobs/uploads/`);
    if (post.status !== 202 || !post.headers.location) throw new Error(`POST upload ${repo}: HTTP ${post.status}`);
    const url = new URL(post.headers.location, reg.url);
    url.searchParams.set('digest', digest);
    const put = await http.send('PUT', url.href, { headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    if (put.status !== 201) throw new Error(`PUT blob ${repo}@${digest}: HTTP ${put.status} ${put.body.toString().slice(0, 200)}`);
  }
  return { mediaType: 'application/octet-stream', digest, size: bytes.length };
}

/** PUT a manifest by `reference` (a tag, or its digest when omitted); returns the response headers too. */
export async function pushManifestJson(reg: Endpoint, repo: string, body: object, reference?: string): Promise<Pushed & { headers: Record<string, string> }> {
  const bytes = Buffer.from(JSON.stringify(body));
  const digest = sha256(bytes);
  const mediaType = (body as { mediaType: string }).mediaType;
  const res = await new RawHttp(reg).send('PUT', `/v2/${repo}/manifests/${reference ?? digest}`, { headers: { 'content-type': mediaType }, body: bytes });
  if (res.status !== 201) throw new Error(`PUT manifest ${repo}:${reference ?? digest}: HTTP ${res.status} ${res.body.toString().slice(0, 300)}`);
  const artifactType = (body as { artifactType?: string }).artifactType;
  return {
    digest,
    size: bytes.length,
    bytes,
    mediaType,
    blobs: [],
    headers: res.headers,
    ...(reference ? { tag: reference } : {}),
    ...(artifactType ? { artifactType } : {}),
  };
}

/** cosign's layout: an OCI image manifest whose one layer is the payload, tagged `sha256-<hex>.<suffix>`. */
async function pushCosignTag(
  reg: Endpoint,
  repo: string,
  subject: string,
  suffix: '.sig' | '.att',
  layer: { mediaType: string; payload: Buffer; annotations: Record<string, string> },
): Promise<Pushed> {
  const blob = await pushBlob(reg, repo, layer.payload);
  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: [{ created: '0001-01-01T00:00:00Z' }],
      os: '',
      rootfs: { type: 'layers', diff_ids: [blob.digest] },
      config: {},
    }),
  );
  const cfg = await pushBlob(reg, repo, config);
  const manifest = {
    schemaVersion: 2,
    mediaType: AttachTypes.ociManifest,
    config: { mediaType: AttachTypes.ociConfig, size: cfg.size, digest: cfg.digest },
    layers: [{ mediaType: layer.mediaType, size: blob.size, digest: blob.digest, annotations: layer.annotations }],
  };
  const pushed = await pushManifestJson(reg, repo, manifest, tagOf(subject, suffix));
  return { ...pushed, blobs: [blob.digest, cfg.digest] };
}

/** A cosign signature of `subject` at `sha256-<hex>.sig`. */
export function pushCosignSignature(reg: Endpoint, repo: string, subject: string, seed = 'sig'): Promise<Pushed> {
  const payload = Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': repo }, image: { 'docker-manifest-digest': subject }, type: 'cosign container image signature' },
      optional: null,
    }),
  );
  const signature = createHash('sha256').update(seed).update(payload).digest('base64');
  return pushCosignTag(reg, repo, subject, '.sig', {
    mediaType: AttachTypes.simpleSigning,
    payload,
    annotations: { 'dev.cosignproject.cosign/signature': signature },
  });
}

/** A cosign in-toto attestation (DSSE envelope) of `subject` at `sha256-<hex>.att`. */
export function pushCosignAttestation(reg: Endpoint, repo: string, subject: string, seed = 'att'): Promise<Pushed> {
  const statement = {
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType: 'https://slsa.dev/provenance/v0.2',
    subject: [{ name: repo, digest: { sha256: subject.slice('sha256:'.length) } }],
    predicate: { builder: { id: `test/${seed}` } },
  };
  const envelope = {
    payloadType: 'application/vnd.in-toto+json',
    payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
    signatures: [{ keyid: '', sig: createHash('sha256').update(seed).digest('base64') }],
  };
  return pushCosignTag(reg, repo, subject, '.att', {
    mediaType: AttachTypes.dsse,
    payload: Buffer.from(JSON.stringify(envelope)),
    annotations: { predicateType: statement.predicateType },
  });
}

/** An OCI 1.1 artifact (image manifest with `artifactType`, empty config and `subject`), pushed by digest. */
export async function pushArtifact(
  reg: Endpoint,
  repo: string,
  subject: { digest: string; size: number; mediaType: string },
  artifactType: string,
  content: Buffer,
  layerType: string = artifactType,
): Promise<Pushed & { headers: Record<string, string> }> {
  const empty = await pushBlob(reg, repo, Buffer.from('{}'));
  const layer = await pushBlob(reg, repo, content);
  const manifest = {
    schemaVersion: 2,
    mediaType: AttachTypes.ociManifest,
    artifactType,
    config: { mediaType: AttachTypes.empty, digest: empty.digest, size: empty.size, data: 'e30=' },
    layers: [{ mediaType: layerType, digest: layer.digest, size: layer.size }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
  };
  const pushed = await pushManifestJson(reg, repo, manifest);
  return { ...pushed, blobs: [empty.digest, layer.digest] };
}

/** The referrers tag schema: an OCI index of `referrers` at tag `sha256-<hex>` of `subject`. */
export function pushFallbackIndex(reg: Endpoint, repo: string, subject: string, referrers: readonly Pushed[]): Promise<Pushed> {
  const manifests = referrers.map((r) => ({
    mediaType: r.mediaType,
    digest: r.digest,
    size: r.size,
    ...(r.artifactType ? { artifactType: r.artifactType } : {}),
  }));
  return pushManifestJson(reg, repo, { schemaVersion: 2, mediaType: AttachTypes.ociIndex, manifests }, tagOf(subject));
}

export function fallbackTag(digest: string): string {
  return tagOf(digest);
}

export function cosignTagOf(digest: string, suffix: 'sig' | 'att' | 'sbom'): string {
  return tagOf(digest, `.${suffix}`);
}
