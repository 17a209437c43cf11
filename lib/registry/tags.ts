import { z } from 'zod';
import { MAX_CATALOG_PAGE_BYTES, MAX_LISTING_ENTRIES, MAX_TAG_PAGE_BYTES } from '../util/limits.js';
import { repoScope } from './auth.js';
import { readBoundedJson } from './bounded-read.js';
import type { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { LinkPager } from './link.js';
import { isValidRepository, isValidTag, shownNames } from './names.js';

/** Told each name a registry listed that breaks the distribution grammar, and skipped. */
export type OnSkippedName = (name: string, why: string) => void;

const TagsPage = z.looseObject({ tags: z.array(z.unknown()).nullish() });
const CatalogPage = z.looseObject({ repositories: z.array(z.unknown()).nullish() });

interface Listing {
  readonly what: string;
  readonly first: string;
  readonly scopes: string[];
  readonly pageBytes: number;
  readonly pick: (json: unknown) => unknown[] | undefined;
}

/** Every entry of a paged listing; undefined when the first page is a 404. Bounded: see lib/util/limits.ts. */
async function paged(client: RegistryClient, listing: Listing, signal?: AbortSignal): Promise<unknown[] | undefined> {
  const out: unknown[] = [];
  const pager = new LinkPager(client.baseUrl, listing.what, listing.first);
  let next: string | undefined = listing.first;
  while (next) {
    const res = await client.request({ method: 'GET', path: next, scopes: listing.scopes, expect: [200, 404], signal });
    if (res.status === 404) {
      await res.body.dump();
      return out.length ? out : undefined;
    }
    const entries = listing.pick(await readBoundedJson(res, listing.pageBytes, `${listing.what} page`));
    if (!entries) throw new RegistryError({ code: 'REGISTRY_PROTOCOL', method: 'GET', url: res.url, detail: `${listing.what} page is not a listing` });
    out.push(...entries);
    if (out.length > MAX_LISTING_ENTRIES) {
      res.body.destroy();
      throw new RegistryError({ code: 'REGISTRY_PROTOCOL', method: 'GET', url: res.url, detail: `${listing.what}: more than ${MAX_LISTING_ENTRIES} entries` });
    }
    next = pager.next(res.headers.link, res.url);
  }
  return out;
}

/**
 * All tags of a repository, sorted; an unknown repository has none (404 -> []). A listed tag that is
 * not a valid tag is never used: it goes to `onSkipped`, or without one fails the listing naming it.
 */
export async function listTags(client: RegistryClient, repository: string, signal?: AbortSignal, onSkipped?: OnSkippedName): Promise<string[]> {
  if (!isValidRepository(repository)) throw invalid(client, `/v2/`, [repository], 'repository name');
  const tags = await paged(
    client,
    {
      what: `tag list of ${client.registry}/${repository}`,
      first: `/v2/${repository}/tags/list?n=1000`,
      scopes: [repoScope(repository, 'pull')],
      pageBytes: MAX_TAG_PAGE_BYTES,
      pick: (json) => {
        const page = TagsPage.safeParse(json);
        return page.success ? (page.data.tags ?? []) : undefined;
      },
    },
    signal,
  );
  return [...new Set(valid(client, `/v2/${repository}/tags/list`, tags ?? [], isValidTag, 'tag', onSkipped))].sort();
}

/** Every repository of the registry through `/v2/_catalog` (needs `registry:catalog:*`); invalid names as in listTags. */
export async function listRepositories(client: RegistryClient, signal?: AbortSignal, onSkipped?: OnSkippedName): Promise<string[]> {
  const repos = await paged(
    client,
    {
      what: `catalog of ${client.registry}`,
      first: '/v2/_catalog?n=1000',
      scopes: ['registry:catalog:*'],
      pageBytes: MAX_CATALOG_PAGE_BYTES,
      pick: (json) => {
        const page = CatalogPage.safeParse(json);
        return page.success ? (page.data.repositories ?? []) : undefined;
      },
    },
    signal,
  );
  return valid(client, '/v2/_catalog', repos ?? [], isValidRepository, 'repository name', onSkipped);
}

function valid(client: RegistryClient, path: string, names: unknown[], test: (n: unknown) => n is string, what: string, onSkipped?: OnSkippedName): string[] {
  const bad = names.filter((n) => !test(n));
  if (bad.length && !onSkipped) throw invalid(client, path, bad, what);
  for (const name of bad) onSkipped?.(String(name), `not a valid ${what}`);
  return names.filter(test);
}

function invalid(client: RegistryClient, path: string, names: unknown[], what: string): RegistryError {
  return new RegistryError({ code: 'REGISTRY_PROTOCOL', method: 'GET', url: `${client.baseUrl}${path}`, detail: `not a valid ${what}: ${shownNames(names)}` });
}
