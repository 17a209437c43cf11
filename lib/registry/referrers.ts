import { z } from 'zod';
import { Descriptor, MediaType, type RawManifest, type ReferrersCallOptions } from '../oci/index.js';
import { repoScope } from './auth.js';
import { header, readBounded, type RegistryClient, type RegistryResponse } from './client.js';
import { putManifest } from './manifests.js';

/** A referrers answer is an OCI index; more than 4 MiB per page is refused instead of buffered. */
const MAX_PAGE_BYTES = 4 * 1024 * 1024;
/** A registry paging forever is stopped here (100 pages of referrers is already abnormal). */
const MAX_PAGES = 100;

const ReferrersIndex = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.literal(MediaType.ociIndex).optional(),
  manifests: z.array(Descriptor),
});

/**
 * `GET /v2/<name>/referrers/<digest>` (distribution-spec "Listing Referrers"), every `Link` page.
 * undefined when the registry has no referrers API: 404, or a 200 that is not an OCI index.
 */
export async function listReferrers(
  client: RegistryClient,
  repository: string,
  digest: string,
  options: ReferrersCallOptions = {},
): Promise<z.infer<typeof Descriptor>[] | undefined> {
  const query = options.artifactType ? `?artifactType=${encodeURIComponent(options.artifactType)}` : '';
  let next: string | undefined = `/v2/${repository}/referrers/${digest}${query}`;
  const out: z.infer<typeof Descriptor>[] = [];
  for (let page = 0; next && page < MAX_PAGES; page++) {
    const res: RegistryResponse = await client.request({
      method: 'GET',
      path: next,
      scopes: [repoScope(repository, 'pull')],
      headers: { accept: MediaType.ociIndex },
      expect: [200, 404],
      signal: options.signal,
    });
    const type = (header(res.headers, 'content-type') ?? '').split(';')[0]!.trim();
    if (res.status === 404 || (type !== MediaType.ociIndex && type !== 'application/json')) {
      await res.body.dump();
      return page === 0 ? undefined : out;
    }
    const parsed = ReferrersIndex.safeParse(await readJson(res));
    if (!parsed.success) return page === 0 ? undefined : out;
    const applied = (header(res.headers, 'oci-filters-applied') ?? '').split(',').map((f) => f.trim());
    const wanted = options.artifactType;
    out.push(...parsed.data.manifests.filter((d) => !wanted || applied.includes('artifactType') || d.artifactType === wanted));
    next = nextPage(header(res.headers, 'link'), client.baseUrl);
  }
  return out;
}

/** `Link: <url>; rel="next"` -> a path on the registry (the referrers API pages like tags/list). */
function nextPage(link: string | undefined, base: string): string | undefined {
  const target = link?.match(/<([^>]+)>\s*;\s*rel="?next"?/)?.[1];
  if (!target) return undefined;
  const url = new URL(target, base);
  return url.pathname + url.search;
}

async function readJson(res: RegistryResponse): Promise<unknown> {
  const bytes = await readBounded(res, MAX_PAGE_BYTES, 'referrers page');
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * PUT a manifest and return the `OCI-Subject` header: the subject
 * digest the registry indexed, undefined when it sent none (distribution-spec "Pushing Manifests with Subject").
 */
export async function putManifestWithSubject(
  client: RegistryClient,
  repository: string,
  reference: string,
  manifest: RawManifest,
  signal?: AbortSignal,
): Promise<string | undefined> {
  return (await putManifest(client, repository, reference, manifest, signal)).ociSubject;
}
