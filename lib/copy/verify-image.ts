import pLimit from 'p-limit';
import { manifestBlobs, parseManifest, sha256Digest, type ImageSource, type ImageTarget, type Manifest, type ManifestHead } from '../oci/index.js';
import { CopyError, toCopyError } from './errors.js';
import { MAX_INDEX_DEPTH, MAX_MANIFESTS_PER_IMAGE } from '../util/limits.js';

export interface VerifyOptions {
  /** The digest the target tag must hold: the copy's root digest (a platform subset rewrites the index). */
  readonly expectedDigest?: string;
  /** The source digest the copy read; when given, the source must still hold it (a tag moved mid-run is reported). */
  readonly sourceDigest?: string;
  /** Manifests that must exist on the target by digest (referrers copied with the image). */
  readonly extraDigests?: readonly string[];
  /** Also HEAD every blob (configs and layers) of every manifest on the target. */
  readonly deep?: boolean;
  /** Requests in flight at once. @default 8 */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

export interface VerifyMismatch {
  /** `registry/repository:tag` or `registry/repository@digest`. */
  readonly reference: string;
  readonly expected: string;
  /** What was found instead; absent when nothing was. */
  readonly actual?: string;
  readonly what: 'manifest' | 'blob' | 'tag';
}

export interface VerifyResult {
  readonly status: 'verified' | 'mismatch';
  /** Manifests and blobs checked (the source's tag included). */
  readonly checked: number;
  readonly mismatches: VerifyMismatch[];
}

interface Check {
  readonly target: ImageTarget & Pick<ImageSource, 'fetchManifest'>;
  readonly options: VerifyOptions;
  readonly limit: ReturnType<typeof pLimit>;
  readonly seen: Set<string>;
  readonly mismatches: VerifyMismatch[];
  checked: number;
  /** Manifests fetched by the deep walk (bounded by MAX_MANIFESTS_PER_IMAGE). */
  walked: number;
}

/**
 * Re-checks a copy on the target against the source, without a single GET on the source (registries
 * such as Docker Hub count manifest GETs as pulls):
 * 1. HEAD the source and target references; the target must hold `expectedDigest ?? <source digest>`;
 * 2. GET the target's root manifest and check that its bytes hash to that digest;
 * 3. HEAD every child manifest of an index and every `extraDigests` entry on the target;
 * 4. with `deep`, GET the children (hash checked) and HEAD every config and layer blob.
 * A difference is a mismatch in the result; a failed request (network, auth) throws a CopyError.
 */
export async function verifyImage(
  source: ImageSource,
  sourceRef: string,
  target: ImageTarget & Pick<ImageSource, 'fetchManifest'>,
  targetRef: string,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const check: Check = { target, options, limit: pLimit(Math.max(1, options.concurrency ?? 8)), seen: new Set(), mismatches: [], checked: 0, walked: 0 };
  const srcName = `${source.registry}/${source.repository}${refSep(sourceRef)}${sourceRef}`;
  const dstName = nameOf(target, targetRef);
  const [srcHead, dstHead] = await Promise.all([
    source.resolve(sourceRef, { signal: options.signal }).catch((err: unknown) => {
      throw toCopyError(err, 'resolve', 'source', srcName);
    }),
    head(check, targetRef),
  ]);
  check.checked += 2;
  const expected = options.expectedDigest ?? srcHead?.digest;
  const sourceWants = options.sourceDigest ?? (options.expectedDigest ? undefined : expected);
  if (!srcHead || (sourceWants && srcHead.digest !== sourceWants)) {
    check.mismatches.push({ reference: srcName, expected: sourceWants ?? 'present', ...(srcHead ? { actual: srcHead.digest } : {}), what: 'tag' });
  }
  if (expected && dstHead?.digest !== expected) {
    check.mismatches.push({ reference: dstName, expected, ...(dstHead ? { actual: dstHead.digest } : {}), what: 'tag' });
  }
  if (expected && dstHead?.digest === expected) {
    const root = await fetchVerified(check, targetRef, expected);
    if (root) await checkContent(check, root, 0);
  }
  await Promise.all((options.extraDigests ?? []).map((digest) => check.limit(() => checkManifest(check, digest))));
  return { status: check.mismatches.length ? 'mismatch' : 'verified', checked: check.checked, mismatches: check.mismatches };
}

/** GETs a target manifest and checks its bytes; a missing or differing manifest is recorded, not thrown. */
async function fetchVerified(check: Check, reference: string, digest: string): Promise<Manifest | undefined> {
  const name = nameOf(check.target, reference);
  let bytes: Uint8Array;
  let mediaType: string;
  try {
    ({ bytes, mediaType } = await check.target.fetchManifest(reference, { signal: check.options.signal }));
  } catch (err) {
    if ((err as { status?: number }).status !== 404) throw toCopyError(err, 'check-target', 'destination', name, digest);
    check.mismatches.push({ reference: name, expected: digest, what: 'manifest' });
    return undefined;
  }
  const actual = sha256Digest(bytes);
  if (actual !== digest) {
    check.mismatches.push({ reference: name, expected: digest, actual, what: 'manifest' });
    return undefined;
  }
  try {
    return parseManifest(bytes, mediaType);
  } catch (err) {
    throw toCopyError(err, 'check-target', 'destination', name, digest);
  }
}

/** Children of an index (HEAD, or GET when deep) and, when deep, the blobs of image manifests. */
async function checkContent(check: Check, manifest: Manifest, depth: number): Promise<void> {
  if (manifest.kind === 'index') {
    await Promise.all(
      manifest.manifests.map((child) =>
        check.options.deep ? checkChildDeep(check, child.digest, depth + 1) : check.limit(() => checkManifest(check, child.digest)),
      ),
    );
    return;
  }
  if (!check.options.deep) return;
  const blobs = manifestBlobs(manifest).filter((b) => !check.seen.has(b.digest));
  for (const b of blobs) check.seen.add(b.digest);
  await Promise.all(blobs.map((b) => check.limit(() => checkBlob(check, b.digest))));
}

async function checkChildDeep(check: Check, digest: string, depth: number): Promise<void> {
  if (check.seen.has(digest)) return;
  const ref = nameOf(check.target, digest);
  if (depth > MAX_INDEX_DEPTH)
    throw new CopyError('MANIFEST_INVALID', 'check-target', 'destination', ref, `${ref}: indexes nested more than ${MAX_INDEX_DEPTH} deep`, digest);
  if (++check.walked > MAX_MANIFESTS_PER_IMAGE)
    throw new CopyError('MANIFEST_INVALID', 'check-target', 'destination', ref, `${ref}: more than ${MAX_MANIFESTS_PER_IMAGE} manifests in one image`, digest);
  check.seen.add(digest);
  check.checked += 1;
  const child = await check.limit(() => fetchVerified(check, digest, digest));
  if (child) await checkContent(check, child, depth);
}

async function checkManifest(check: Check, digest: string): Promise<void> {
  if (check.seen.has(digest)) return;
  check.seen.add(digest);
  check.checked += 1;
  const found = await head(check, digest);
  if (found?.digest !== digest) {
    check.mismatches.push({ reference: nameOf(check.target, digest), expected: digest, ...(found ? { actual: found.digest } : {}), what: 'manifest' });
  }
}

async function checkBlob(check: Check, digest: string): Promise<void> {
  check.checked += 1;
  const ref = nameOf(check.target, digest);
  const present = await check.target.hasBlob(digest, { signal: check.options.signal }).catch((err: unknown) => {
    throw toCopyError(err, 'check-target', 'destination', ref, digest);
  });
  if (!present) check.mismatches.push({ reference: ref, expected: digest, what: 'blob' });
}

function head(check: Check, reference: string): Promise<ManifestHead | undefined> {
  return check.target.resolve(reference, { signal: check.options.signal }).catch((err: unknown) => {
    throw toCopyError(err, 'check-target', 'destination', nameOf(check.target, reference));
  });
}

function nameOf(target: ImageTarget, reference: string): string {
  return `${target.registry}/${target.repository}${refSep(reference)}${reference}`;
}

function refSep(reference: string): string {
  return reference.includes(':') ? '@' : ':';
}
