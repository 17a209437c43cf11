import { MAX_LISTING_PAGES } from '../util/limits.js';
import { RegistryError } from './errors.js';

/** One link-value: `<target>` and its parameters, up to the next `<`. */
const LINK_VALUE = /<([^>]+)>([^<]*)/g;
/** One `; name[=value]` parameter, the value a token or a quoted string. */
const LINK_PARAM = /;\s*([!#$%&'*+.^_`|~0-9a-z-]+)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;,"]*)))?/gi;

/**
 * The target of the link whose relation types include `next` (RFC 8288: `rel` anywhere among the
 * parameters, a space-separated list, any case; only a link's first `rel` counts). One header or
 * several, comma-joined; the header's size is bounded by the HTTP client, so are these loops.
 */
export function nextLinkTarget(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value.join(', ') : value;
  for (const [, target, params] of text?.matchAll(LINK_VALUE) ?? []) {
    const rel = [...(params ?? '').matchAll(LINK_PARAM)].find((p) => p[1]!.toLowerCase() === 'rel');
    if (rel && (rel[2] ?? rel[3] ?? '').toLowerCase().split(/\s+/).includes('next')) return target;
  }
  return undefined;
}

/**
 * The pages of one listing (tags, catalog, referrers). Each next page is a path on the registry's own
 * origin: the host of a Link is dropped, so the request carries the registry's credentials to the
 * registry and nowhere else. Paging fails (REGISTRY_PROTOCOL) when a Link leaves `/v2/`, names a page
 * seen before (a loop), or the listing passes `maxPages`.
 */
export class LinkPager {
  private readonly seen = new Set<string>();
  private pages = 1;

  constructor(
    private readonly base: string,
    private readonly what: string,
    first: string,
    private readonly maxPages = MAX_LISTING_PAGES,
  ) {
    this.seen.add(first);
  }

  /** The path of the page after the one `link` came with; undefined at the end of the listing. */
  next(link: string | string[] | undefined, from: string): string | undefined {
    const target = nextLinkTarget(link);
    if (!target) return undefined;
    let url: URL;
    try {
      url = new URL(target, this.base);
    } catch {
      throw this.fail(from, `Link header names no URL: ${JSON.stringify(target.slice(0, 100))}`);
    }
    const path = url.pathname + url.search;
    if (!url.pathname.startsWith('/v2/')) throw this.fail(from, `Link leads outside /v2/: ${path.slice(0, 100)}`);
    if (this.seen.has(path)) throw this.fail(from, `Link loops back to a page already read (${path.slice(0, 100)})`);
    if (++this.pages > this.maxPages) throw this.fail(from, `more than ${this.maxPages} pages`);
    this.seen.add(path);
    return path;
  }

  private fail(url: string, why: string): RegistryError {
    return new RegistryError({ code: 'REGISTRY_PROTOCOL', method: 'GET', url, detail: `${this.what}: ${why}` });
  }
}
