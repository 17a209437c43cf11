import { repoScope } from './auth.js';
import { header, type RegistryClient } from './client.js';

/** Follows RFC 5988 `Link: <url>; rel="next"` pagination (catalog always, tags where supported). */
function nextLink(value: string | undefined): string | undefined {
  const m = value?.match(/<([^>]+)>\s*;\s*rel="?next"?/);
  return m?.[1];
}

async function paged<T>(
  client: RegistryClient,
  first: string,
  scopes: string[],
  pick: (json: unknown) => T[],
  signal?: AbortSignal,
): Promise<T[] | undefined> {
  const out: T[] = [];
  let next: string | undefined = first;
  while (next) {
    const res = await client.request({ method: 'GET', path: next, scopes, expect: [200, 404], signal });
    if (res.status === 404) {
      await res.body.dump();
      return out.length ? out : undefined;
    }
    out.push(...pick(await res.body.json()));
    const link = nextLink(header(res.headers, 'link'));
    next = link ? new URL(link, client.baseUrl).pathname + new URL(link, client.baseUrl).search : undefined;
  }
  return out;
}

/** All tags of a repository, sorted; an unknown repository has none (404 -> []). */
export async function listTags(client: RegistryClient, repository: string, signal?: AbortSignal): Promise<string[]> {
  const tags = await paged(
    client,
    `/v2/${repository}/tags/list?n=1000`,
    [repoScope(repository, 'pull')],
    (json) => ((json as { tags?: string[] | null }).tags ?? []),
    signal,
  );
  return [...new Set(tags ?? [])].sort();
}

/** Every repository of the registry through `/v2/_catalog` (needs `registry:catalog:*`). */
export async function listRepositories(client: RegistryClient, signal?: AbortSignal): Promise<string[]> {
  const repos = await paged(
    client,
    '/v2/_catalog?n=1000',
    ['registry:catalog:*'],
    (json) => (json as { repositories?: string[] | null }).repositories ?? [],
    signal,
  );
  return repos ?? [];
}
