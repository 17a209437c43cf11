import { InventoryError, type InventoryErrorCode } from './errors.js';

export const PAGE_SIZE = 100;
const MAX_PAGES = 10_000;

export interface Page<T> {
  readonly items: readonly T[];
  readonly total: number;
}

/**
 * Item-offset paging (personal-edition actions: `Offset` is the index of the first item). Pages are
 * read one after another and the next offset is the number of items received, so nothing is skipped
 * even when the server returns fewer than `limit` items per page.
 */
export async function listByItemOffset<T>(
  code: InventoryErrorCode,
  fetch: (offset: number, limit: number) => Promise<Page<T>>,
  signal?: AbortSignal,
): Promise<T[]> {
  const out: T[] = [];
  for (let n = 0; n < MAX_PAGES; n++) {
    signal?.throwIfAborted();
    const page = await fetch(out.length, PAGE_SIZE);
    out.push(...page.items);
    if (page.items.length === 0 || out.length >= page.total) return out;
  }
  throw new InventoryError(code, `listing did not end after ${MAX_PAGES} pages`);
}

/** Page-number paging (enterprise `DescribeNamespaces`/`DescribeRepositories`: `Offset` = 1, 2, …). */
export async function listByPageNumber<T>(
  code: InventoryErrorCode,
  fetch: (page: number, limit: number) => Promise<Page<T>>,
  signal?: AbortSignal,
): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    signal?.throwIfAborted();
    const got = await fetch(page, PAGE_SIZE);
    out.push(...got.items);
    if (got.items.length === 0 || out.length >= got.total) return out;
  }
  throw new InventoryError(code, `listing did not end after ${MAX_PAGES} pages`);
}
