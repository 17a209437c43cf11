/** A tag (distribution reference grammar): a word character, then up to 127 of `[\w.-]`. */
const TAG = /^[\w][\w.-]{0,127}$/;
/** A repository: lowercase path components joined by `/`, each separated inside by `.`, `_`, `__` or dashes. */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const MAX_REPOSITORY_LENGTH = 255;

export function isValidTag(name: unknown): name is string {
  return typeof name === 'string' && TAG.test(name);
}

export function isValidRepository(name: unknown): name is string {
  return typeof name === 'string' && name.length <= MAX_REPOSITORY_LENGTH && name.split('/').every((c) => COMPONENT.test(c));
}

/** Up to five names as they may be shown (`"..", "." and 3 more`). */
export function shownNames(names: readonly unknown[]): string {
  const shown = names.slice(0, 5).map(shownName).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}

/** A name as it may be shown in a log line or report: quoted, control characters escaped, cut at 100. */
export function shownName(name: unknown): string {
  return JSON.stringify(typeof name === 'string' ? name.slice(0, 100) : name) ?? String(name);
}
