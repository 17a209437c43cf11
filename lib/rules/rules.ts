import yaml from 'js-yaml';
import { z } from 'zod';
import { isValidTag, parseReference, ReferenceError, type Reference } from '../oci/index.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { loadConfigFile } from './load-file.js';

export type TagSelection = { kind: 'all' } | { kind: 'tags'; tags: string[] } | { kind: 'digest'; digest: string; tag?: string };

export interface Rule {
  /** `rule-<n>` by position, for messages. */
  readonly id: string;
  readonly line?: number;
  readonly sourceText: string;
  readonly targetText: string;
  readonly source: { registry: string; repository: string; selection: TagSelection };
  readonly target: { registry: string; repository: string; tag?: string };
}

export interface RuleDefaults {
  /** `--registry`: where rules with an empty target go. */
  readonly defaultRegistry?: string;
  /** `--ns`: replaces the first path component of the source repository in default targets. */
  readonly defaultNamespace?: string;
}

const ListItem = z.strictObject({
  source: z.string().min(1),
  target: z.union([z.string(), z.array(z.string()).min(1)]).nullish(),
});

class RuleIssue extends Error {}

function ref(text: string, side: 'source' | 'target'): Reference {
  try {
    return parseReference(text);
  } catch (err) {
    throw new RuleIssue(`${side} ${err instanceof ReferenceError ? err.message : String(err)}`);
  }
}

/** `repo:v1,v2,v3` is a tag list (it must work, unlike the original's); the rest is one reference. */
function parseSource(text: string): Rule['source'] {
  const slash = text.lastIndexOf('/');
  const colon = text.lastIndexOf(':');
  if (!text.includes('@') && colon > slash && text.slice(colon + 1).includes(',')) {
    const tags = text.slice(colon + 1).split(',').map((t) => t.trim()).filter(Boolean);
    const bad = tags.find((t) => !isValidTag(t));
    if (bad !== undefined) throw new RuleIssue(`source tag "${bad.slice(0, 140)}" must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
    const r = ref(text.slice(0, colon), 'source');
    return { registry: r.registry, repository: r.repository, selection: { kind: 'tags', tags: [...new Set(tags)] } };
  }
  const r = ref(text, 'source');
  const selection: TagSelection = r.digest
    ? { kind: 'digest', digest: r.digest, ...(r.tag ? { tag: r.tag } : {}) }
    : r.tag
      ? { kind: 'tags', tags: [r.tag] }
      : { kind: 'all' };
  return { registry: r.registry, repository: r.repository, selection };
}

function defaultTarget(source: Rule['source'], d: RuleDefaults): Rule['target'] {
  if (!d.defaultRegistry) throw new RuleIssue('target is empty and no --registry default is set');
  const registry = ref(`${d.defaultRegistry}/x`, 'target').registry;
  const parts = source.repository.split('/');
  const repository = d.defaultNamespace ? [d.defaultNamespace, ...(parts.length > 1 ? parts.slice(1) : parts)].join('/') : source.repository;
  ref(`${registry}/${repository}`, 'target');
  return { registry, repository };
}

function parseTarget(text: string, source: Rule['source'], sourceTagText: string | undefined, d: RuleDefaults): Rule['target'] {
  if (text.trim() === '') return defaultTarget(source, d);
  const colon = text.lastIndexOf(':');
  const sameList = sourceTagText?.includes(',') && colon > text.lastIndexOf('/') && text.slice(colon + 1) === sourceTagText;
  const r = ref(sameList ? text.slice(0, colon) : text, 'target');
  if (r.digest) throw new RuleIssue('target must not be a digest: the digest of a copy is the source digest');
  const sel = source.selection;
  if (r.tag && sel.kind === 'all') throw new RuleIssue('source without a tag (all tags) cannot map to a target with a tag');
  if (r.tag && sel.kind === 'tags' && sel.tags.length > 1) throw new RuleIssue('multi-tags source should not correspond to a target with tag');
  return { registry: r.registry, repository: r.repository, ...(r.tag ? { tag: r.tag } : {}) };
}

function entriesOf(value: unknown): Array<{ source: unknown; targets: unknown[]; key: string; path: string }> | string {
  if (Array.isArray(value)) {
    return value.map((item, i) => {
      const parsed = ListItem.safeParse(item);
      if (!parsed.success) return { source: item, targets: [], key: `[${i}]`, path: `[${i}]: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}` };
      const t = parsed.data.target;
      return { source: parsed.data.source, targets: Array.isArray(t) ? t : [t ?? ''], key: parsed.data.source, path: '' };
    });
  }
  if (value === null || typeof value !== 'object') return 'expected a map of "source: target" or a list of {source, target}';
  return Object.entries(value).map(([k, v]) => ({ source: k, targets: [v ?? ''], key: k, path: '' }));
}

/** Pure: parsed YAML -> rules; every problem of every rule is reported at once. */
export function parseRules(value: unknown, file: string, lineOf: (key: string) => number | undefined, defaults: RuleDefaults): Rule[] {
  const entries = entriesOf(value);
  if (typeof entries === 'string') throw new ConfigError([{ file, message: entries }]);
  const issues: ConfigIssue[] = [];
  const rules: Rule[] = [];
  for (const e of entries) {
    const line = lineOf(e.key);
    if (e.path) {
      issues.push({ file, line, key: e.path.split(':')[0], message: e.path.slice(e.path.indexOf(':') + 2) });
      continue;
    }
    for (const target of e.targets) {
      try {
        if (typeof target !== 'string') throw new RuleIssue(`target must be a string, got ${Array.isArray(target) ? 'a list' : typeof target}`);
        const sourceText = String(e.source).trim();
        const source = parseSource(sourceText);
        const colon = sourceText.lastIndexOf(':');
        const tagText = colon > sourceText.lastIndexOf('/') ? sourceText.slice(colon + 1) : undefined;
        const parsedTarget = parseTarget(target, source, tagText, defaults);
        rules.push({ id: `rule-${rules.length + 1}`, ...(line ? { line } : {}), sourceText, targetText: target.trim(), source, target: parsedTarget });
      } catch (err) {
        if (!(err instanceof RuleIssue)) throw err;
        issues.push({ file, line, key: e.key.slice(0, 200), message: err.message });
      }
    }
  }
  if (issues.length) throw new ConfigError(issues);
  if (rules.length === 0) throw new ConfigError([{ file, message: 'the rule file has no rules' }]);
  return rules;
}

export async function loadRuleFile(path: string, defaults: RuleDefaults): Promise<Rule[]> {
  const f = await loadConfigFile(path);
  return parseRules(f.value, f.file, f.lineOf, defaults);
}

/** YAML rule file for `pairs`: the original map form, or the list form when a source repeats. */
export function formatRuleFile(pairs: ReadonlyArray<{ source: string; target: string }>): string {
  const sources = new Set(pairs.map((p) => p.source));
  const body = sources.size === pairs.length ? Object.fromEntries(pairs.map((p) => [p.source, p.target])) : pairs.map((p) => ({ source: p.source, target: p.target }));
  return `# image-transfer rule file: the images that failed; re-run with --ruleFile=<this file>\n${yaml.dump(body, { lineWidth: -1 })}`;
}
