import { isValidTag, looksLikeRegistry, parseReference, InvalidReferenceError, type Reference } from '../oci/index.js';
import type { RuleDefaults, RuleSource, RuleTarget, TagSelection } from './rule-file-types.js';

/** One problem with one rule; collected by parseRules into a ConfigError. */
export class RuleIssue extends Error {}

const MAX_TAG = 128;
const TAG_RULE = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';

/** `name[:tags][@digest]`, the tag part being after the last ':' that follows the last '/'. */
function split(text: string): { name: string; tagText?: string; digest?: string } {
  const at = text.indexOf('@');
  const rest = at >= 0 ? text.slice(0, at) : text;
  const digest = at >= 0 ? text.slice(at + 1) : undefined;
  const colon = rest.lastIndexOf(':');
  const withDigest = digest === undefined ? {} : { digest };
  if (colon > rest.lastIndexOf('/')) return { name: rest.slice(0, colon), tagText: rest.slice(colon + 1), ...withDigest };
  return { name: rest, ...withDigest };
}

function checkTag(tag: string): void {
  const shown = tag.length > 40 ? `${tag.slice(0, 20)}…` : tag;
  if (tag.length > MAX_TAG) {
    throw new RuleIssue(`tag "${shown}" is ${tag.length} characters long; a tag must match ${TAG_RULE} (at most ${MAX_TAG} characters)`);
  }
  if (!isValidTag(tag)) throw new RuleIssue(`tag "${shown}" must match ${TAG_RULE}`);
}

function ref(text: string, side: 'source' | 'target'): Reference {
  try {
    return parseReference(text);
  } catch (err) {
    if (err instanceof InvalidReferenceError) throw new RuleIssue(`${side}: ${err.message}`);
    throw err;
  }
}

function tagList(tagText: string): string[] {
  const tags = tagText.split(',').map((t) => t.trim());
  if (tags.some((t) => t === '')) throw new RuleIssue(`tag list "${tagText.slice(0, 60)}" has an empty tag`);
  tags.forEach(checkTag);
  return [...new Set(tags)];
}

/** `repo` (all tags), `repo:v1`, `repo:v1,v2,v3`, `repo@sha256:…`, `repo:tag@sha256:…`. */
export function parseSource(text: string): RuleSource {
  if (text === '') throw new RuleIssue('source is empty');
  const { name, tagText, digest } = split(text);
  if (tagText?.includes(',')) {
    if (digest !== undefined) throw new RuleIssue('a tag list cannot be combined with a digest');
    const tags = tagList(tagText);
    const r = ref(name, 'source');
    return { registry: r.registry, repository: r.repository, selection: { kind: 'tags', tags } };
  }
  if (tagText !== undefined) checkTag(tagText);
  const r = ref(text, 'source');
  const selection: TagSelection = r.digest
    ? { kind: 'digest', digest: r.digest, ...(r.tag ? { tag: r.tag } : {}) }
    : r.tag
      ? { kind: 'tags', tags: [r.tag] }
      : { kind: 'all' };
  return { registry: r.registry, repository: r.repository, selection };
}

/** The tag text of a source (`v1,v2` of `repo:v1,v2`), for the original's "same tag list" target. */
export function sourceTagText(text: string): string | undefined {
  return split(text).tagText;
}

function defaultRegistry(defaults: RuleDefaults): { registry: string; prefix: string[] } {
  const text = defaults.defaultRegistry?.trim().replace(/\/+$/, '') ?? '';
  if (text === '') throw new RuleIssue('target is empty and no --registry default is set');
  const [host = '', ...prefix] = text.split('/');
  if (!looksLikeRegistry(host)) {
    throw new RuleIssue(`target is empty and --registry "${host}" is not a registry host (a host has a dot or a port, or is localhost)`);
  }
  try {
    return { registry: parseReference(`${text}/x`).registry, prefix };
  } catch (err) {
    if (err instanceof InvalidReferenceError) throw new RuleIssue(`target is empty and --registry "${text}" is not valid: ${err.reason}`);
    throw err;
  }
}

/** Empty target: `--registry[/prefix]` + the source repository, its first component replaced by `--ns`. */
function defaultTarget(source: RuleSource, defaults: RuleDefaults): RuleTarget {
  const { registry, prefix } = defaultRegistry(defaults);
  const parts = source.repository.split('/');
  const ns = defaults.defaultNamespace?.trim().replace(/^\/+|\/+$/g, '');
  const path = ns ? [...prefix, ns, ...(parts.length > 1 ? parts.slice(1) : parts)] : [...prefix, ...parts];
  const r = ref(`${registry}/${path.join('/')}`, 'target');
  return { registry: r.registry, repository: r.repository };
}

function checkTargetTag(source: RuleSource, tag: string): void {
  const sel = source.selection;
  if (sel.kind === 'all') throw new RuleIssue('source without a tag (all tags) cannot map to a target with a tag');
  if (sel.kind === 'tags' && sel.tags.length > 1) throw new RuleIssue('multi-tags source should not correspond to a target with tag');
  checkTag(tag);
}

function explicitTarget(text: string, source: RuleSource, srcTagText: string | undefined): RuleTarget {
  const { name, tagText, digest } = split(text);
  // the original accepted `a:v1,v2: b:v1,v2` (the same list on both sides) as "keep the tags"
  const sameList = tagText?.includes(',') && tagText === srcTagText && digest === undefined;
  if (tagText !== undefined && !sameList) checkTargetTag(source, tagText);
  const r = ref(sameList ? name : text, 'target');
  if (r.digest !== undefined && (source.selection.kind !== 'digest' || source.selection.digest !== r.digest)) {
    throw new RuleIssue('target must not be a digest other than the source digest: a copy keeps the source digest');
  }
  return { registry: r.registry, repository: r.repository, ...(r.tag ? { tag: r.tag } : {}) };
}

function checkNotSelf(source: RuleSource, target: RuleTarget): void {
  if (source.registry !== target.registry || source.repository !== target.repository) return;
  const sel = source.selection;
  const sameTag =
    target.tag === undefined ||
    (sel.kind === 'tags' && sel.tags.length === 1 && sel.tags[0] === target.tag) ||
    (sel.kind === 'digest' && sel.tag === target.tag);
  if (sameTag) throw new RuleIssue('source and target are the same image');
}

/** Target text -> target; empty means the `--registry`/`--ns` defaults. */
export function parseTarget(text: string, source: RuleSource, srcTagText: string | undefined, defaults: RuleDefaults): RuleTarget {
  const target = text === '' ? defaultTarget(source, defaults) : explicitTarget(text, source, srcTagText);
  checkNotSelf(source, target);
  return target;
}

/** Syntax-only check of a target, used when the source is already wrong (to report both at once). */
export function targetSyntaxProblem(text: string): string | undefined {
  if (text === '') return undefined;
  try {
    const { name, tagText } = split(text);
    if (tagText?.includes(',')) tagList(tagText);
    ref(tagText?.includes(',') ? name : text, 'target');
    return undefined;
  } catch (err) {
    if (err instanceof RuleIssue) return err.message;
    throw err;
  }
}
