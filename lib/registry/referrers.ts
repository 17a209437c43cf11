import { z } from 'zod';
import { Descriptor, MediaType, type RawManifest, type ReferrersCallOptions } from '../oci/index.js';
import { repoScope } from './auth.js';
import { readBounded } from './bounded-read.js';
import { header, type RegistryClient, type RegistryResponse } from './client.js';
import { RegistryError } from './errors.js';
import { LinkPager } from './link.js';
import { putManifest } from './manifests.js';
import { MAX_LISTING_ENTRIES, MAX_REFERRERS_PAGE_BYTES, MAX_REFERRERS_PAGES } from '../util/limits.js';

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
  const first = `/v2/${repository}/referrers/${digest}${query}`;
  const pager = new LinkPager(client.baseUrl, `referrers of ${client.registry}/${repository}@${digest}`, first, MAX_REFERRERS_PAGES);
  let next: string | undefined = first;
  const out: z.infer<typeof Descriptor>[] = [];
  for (let page = 0; next; page++) {
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
    if (out.length > MAX_LISTING_ENTRIES)
      throw new RegistryError({ code: 'REGISTRY_PROTOCOL', method: 'GET', url: res.url, detail: `more than ${MAX_LISTING_ENTRIES} referrers` });
    next = pager.next(res.headers.link, res.url);
  }
  return out;
}

async function readJson(res: RegistryResponse): Promise<unknown> {
  const bytes = await readBounded(res, MAX_REFERRERS_PAGE_BYTES, 'referrers page');
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
