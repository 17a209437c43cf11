import semver from 'semver';
import type { TagFilter } from '../rules/index.js';

/** When an image was created (its config's `created`); undefined when unknown. */
export type CreatedOf = (tag: string) => Promise<Date | undefined>;

/** `1.2.3`, `v1.2.3`, `1.2.3-rc.1` are versions; so are `1.2` and `v2` (as 1.2.0 and 2.0.0). */
export function versionOf(tag: string): string | undefined {
  const strict = semver.valid(tag, { loose: true });
  if (strict) return strict;
  return /^v?\d+(\.\d+){0,2}$/.test(tag) ? (semver.coerce(tag)?.version ?? undefined) : undefined;
}

const byVersionDesc = (a: string, b: string): number => semver.rcompare(versionOf(a)!, versionOf(b)!) || a.localeCompare(b);

/**
 * Applies a rule's tag filter, in this order: candidates (`list`, else `available`), include/exclude,
 * semver range, pushed-within, latest N. Only the last two need image metadata, and only for the tags
 * still left, so `created` is called as little as possible. Result: `latest` order (newest first),
 * otherwise the candidates' order.
 */
export async function selectTags(available: readonly string[], filter: TagFilter | undefined, created: CreatedOf, now: Date): Promise<string[]> {
  if (!filter) return [...available];
  let tags = [...(filter.list ?? available)];
  const { include, exclude } = filter;
  if (include?.length) tags = tags.filter((t) => include.some((r) => r.test(t)));
  if (exclude?.length) tags = tags.filter((t) => !exclude.some((r) => r.test(t)));
  if (filter.semver !== undefined) {
    const range = filter.semver;
    tags = tags.filter((t) => {
      const v = versionOf(t);
      return v !== undefined && semver.satisfies(v, range, { loose: true, includePrerelease: filter.prerelease });
    });
  } else if (!filter.prerelease && filter.sortBy === 'semver' && filter.latest !== undefined) {
    tags = tags.filter((t) => semver.prerelease(versionOf(t) ?? '0.0.0') === null);
  }
  const needDates = filter.pushedWithinMs !== undefined || (filter.latest !== undefined && filter.sortBy === 'pushed');
  const dates = needDates ? new Map(await Promise.all(tags.map(async (t) => [t, await created(t)] as const))) : new Map<string, Date | undefined>();
  if (filter.pushedWithinMs !== undefined) {
    const since = now.getTime() - filter.pushedWithinMs;
    tags = tags.filter((t) => (dates.get(t)?.getTime() ?? -Infinity) >= since);
  }
  if (filter.latest === undefined) return tags;
  if (filter.sortBy === 'semver')
    return tags
      .filter((t) => versionOf(t) !== undefined)
      .sort(byVersionDesc)
      .slice(0, filter.latest);
  const time = (t: string): number => dates.get(t)?.getTime() ?? -Infinity;
  return tags.sort((a, b) => time(b) - time(a) || a.localeCompare(b)).slice(0, filter.latest);
}
