import pLimit from 'p-limit';
import type { CcrApi } from './api.js';
import { InventoryError, messageOf } from './errors.js';
import { listByItemOffset } from './paging.js';

export { ccrHost } from './hosts.js';

export interface CcrRepository {
  /** `namespace/repository` */
  readonly name: string;
  /** Newest first (by push time); at most `ccrTagNums` when that is above 0. */
  readonly tags: string[];
}

export interface CcrInventory {
  readonly namespaces: string[];
  readonly repositories: CcrRepository[];
  /** Repositories whose tags could not be listed (after retries); they are not in `repositories`. */
  readonly failures: Array<{ repository: string; message: string }>;
  /** The registry host the API names (`Server`), when it names one. */
  readonly server?: string;
}

export interface CcrInventoryOptions {
  /** Newest N tags per repository; 0 means all of them. */
  readonly ccrTagNums: number;
  /** Repositories whose tags are listed at once. @default 5 */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

interface TagRecord {
  readonly name: string;
  readonly pushedAt: number;
}

/**
 * The personal-edition inventory of the account in the client's region. Namespace and repository
 * listings must be complete: a page that still fails after the client's retries fails the inventory.
 * A repository whose tags cannot be listed is reported in `failures`, and the others still count.
 */
export async function listCcrInventory(api: CcrApi, options: CcrInventoryOptions): Promise<CcrInventory> {
  const { signal } = options;
  const namespaces = await listCcrNamespaces(api, signal);
  const { names, server } = await listCcrRepositories(api, signal);
  const limit = pLimit(Math.max(1, options.concurrency ?? 5));
  const failures: CcrInventory['failures'] = [];
  const listed = await Promise.all(
    names.map((name) =>
      limit(async (): Promise<CcrRepository | undefined> => {
        try {
          const tags = newestFirst(await listCcrTags(api, name, signal));
          return { name, tags: options.ccrTagNums > 0 ? tags.slice(0, options.ccrTagNums) : tags };
        } catch (err) {
          signal?.throwIfAborted();
          failures.push({ repository: name, message: messageOf(err) });
          return undefined;
        }
      }),
    ),
  );
  const repositories = listed.filter((r): r is CcrRepository => r !== undefined);
  const allNamespaces = new Set([...namespaces, ...names.map((n) => n.split('/')[0]!)]);
  failures.sort((a, b) => a.repository.localeCompare(b.repository));
  return { namespaces: [...allNamespaces].sort(), repositories, failures, ...(server ? { server } : {}) };
}

export async function listCcrNamespaces(api: CcrApi, signal?: AbortSignal): Promise<string[]> {
  const names = await failAs('CCR namespaces (DescribeNamespacePersonal)', () =>
    listByItemOffset(
      'CCR_LIST_FAILED',
      async (offset, limit) => {
        const r = await api.DescribeNamespacePersonal({ Namespace: '', Offset: offset, Limit: limit });
        return { total: r.Data?.NamespaceCount ?? 0, items: (r.Data?.NamespaceInfo ?? []).map((n) => n.Namespace).filter(Boolean) };
      },
      signal,
    ),
  );
  return [...new Set(names)].sort();
}

/** Every repository (`ns/repo`), sorted, and the registry host the API names. */
export async function listCcrRepositories(api: CcrApi, signal?: AbortSignal): Promise<{ names: string[]; server?: string }> {
  let server: string | undefined;
  const names = await failAs('CCR repositories (DescribeRepositoryOwnerPersonal)', () =>
    listByItemOffset(
      'CCR_LIST_FAILED',
      async (offset, limit) => {
        const r = await api.DescribeRepositoryOwnerPersonal({ Offset: offset, Limit: limit });
        server ||= r.Data?.Server || undefined;
        return { total: r.Data?.TotalCount ?? 0, items: (r.Data?.RepoInfo ?? []).map((x) => x.RepoName ?? '').filter(Boolean) };
      },
      signal,
    ),
  );
  return { names: [...new Set(names)].sort(), ...(server ? { server } : {}) };
}

export async function listCcrTags(api: CcrApi, repository: string, signal?: AbortSignal): Promise<TagRecord[]> {
  return listByItemOffset(
    'CCR_LIST_FAILED',
    async (offset, limit) => {
      const r = await api.DescribeImagePersonal({ RepoName: repository, Offset: offset, Limit: limit });
      const items = (r.Data?.TagInfo ?? []).flatMap((t) =>
        t.TagName ? [{ name: t.TagName, pushedAt: timeOf(t.PushTime ?? t.UpdateTime ?? t.CreationTime) }] : [],
      );
      return { total: r.Data?.TagCount ?? 0, items };
    },
    signal,
  );
}

/** Tag names, most recently pushed first; ties (and unparsable times, last) keep the API's order. */
export function newestFirst(tags: readonly TagRecord[]): string[] {
  const unique = new Map<string, TagRecord>();
  for (const t of tags) if (!unique.has(t.name)) unique.set(t.name, t);
  return [...unique.values()].sort((a, b) => (a.pushedAt === b.pushedAt ? 0 : a.pushedAt < b.pushedAt ? 1 : -1)).map((t) => t.name);
}

/**
 * Push time in ms. The personal edition writes `YYYY-MM-DD HH:mm:ss` (China time, UTC+8) or ISO 8601;
 * anything else sorts last.
 */
export function timeOf(text: string | undefined): number {
  if (!text) return Number.NEGATIVE_INFINITY;
  const plain = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(text.trim());
  const ms = plain ? Date.parse(`${plain[1]}T${plain[2]}+08:00`) : Date.parse(text);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

async function failAs<T>(what: string, list: () => Promise<T>): Promise<T> {
  try {
    return await list();
  } catch (err) {
    if (err instanceof InventoryError || (err as Error)?.name === 'AbortError') throw err;
    throw new InventoryError('CCR_LIST_FAILED', `cannot list ${what}: ${messageOf(err)}`, { cause: err });
  }
}
