import semver from 'semver';
import { z } from 'zod';
import { isValidTag, looksLikeRegistry, parseReference, InvalidReferenceError } from '../oci/index.js';
import { BACKUP_VARS, backupVars, hasPlaceholders, render, renderRepository, REPOSITORY_VARS, repositoryVars, templateProblem } from './template.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { listItemLines } from './item-lines.js';
import type { LoadedFile } from './load-file.js';
import type { CatalogSelection, RuleV2, TagFilter } from './rule-file-v2-types.js';

const Patterns = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const Platform = z.string().regex(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, 'expected os/arch[/variant], e.g. linux/arm64');
const Platforms = z.union([z.literal('all'), z.array(Platform).min(1)]);
const Overwrite = z.enum(['always', 'never', 'if-changed']);
const Referrers = z.union([z.boolean(), z.strictObject({ artifactTypes: z.array(z.string().min(1)).min(1) })]);
const Duration = z.string().regex(/^\d+[mhdw]$/, 'expected a duration such as 12h, 90d or 2w');

const Tags = z.strictObject({
  list: z.array(z.string().min(1)).min(1).optional(),
  include: Patterns.optional(),
  exclude: Patterns.optional(),
  semver: z.string().min(1).optional(),
  prerelease: z.boolean().optional(),
  latest: z.number().int().min(1).max(100_000).optional(),
  sortBy: z.enum(['semver', 'pushed']).optional(),
  pushedWithin: Duration.optional(),
});

const RuleShape = z.strictObject({
  source: z.string().min(1),
  target: z.string().min(1),
  repositories: z.strictObject({ include: Patterns.optional(), exclude: Patterns.optional() }).optional(),
  tags: Tags.optional(),
  digests: z
    .array(z.string().regex(/^sha256:[a-f0-9]{64}$/, 'expected sha256:<64 hex>'))
    .min(1)
    .optional(),
  platforms: Platforms.optional(),
  overwrite: Overwrite.optional(),
  backup: z.string().min(1).optional(),
  referrers: Referrers.optional(),
});
type RuleShape = z.infer<typeof RuleShape>;

const Defaults = RuleShape.pick({ platforms: true, overwrite: true, backup: true, referrers: true }).partial();
const Document = z.strictObject({ version: z.literal(2), defaults: Defaults.optional(), rules: z.array(z.unknown()).min(1) });

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** A version-2 rule file is a map with `version: 2`; everything else is the original format. */
export function isVersion2(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'version' in value;
}

/** A problem inside one rule; `field` locates its line. */
class Issue extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function regexes(value: string | string[] | undefined, field: string): RegExp[] {
  return (value === undefined ? [] : [value].flat()).map((p) => {
    try {
      return new RegExp(`^(?:${p})$`);
    } catch (err) {
      throw new Issue(field, `"${p}" is not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
    }
  });
}

function tagFilter(t: NonNullable<RuleShape['tags']>): TagFilter {
  for (const tag of t.list ?? []) if (!isValidTag(tag)) throw new Issue('list', `tag "${tag.slice(0, 40)}" must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  if (t.semver !== undefined && semver.validRange(t.semver, { loose: true }) === null)
    throw new Issue('semver', `"${t.semver}" is not a semver range (e.g. ">=1.2 <2" or "^3")`);
  if (t.sortBy !== undefined && t.latest === undefined) throw new Issue('sortBy', 'sortBy orders the tags for latest: set latest as well');
  const within = t.pushedWithin === undefined ? undefined : Number(t.pushedWithin.slice(0, -1)) * UNIT_MS[t.pushedWithin.at(-1) as keyof typeof UNIT_MS];
  return {
    ...(t.list ? { list: [...new Set(t.list)] } : {}),
    ...(t.include !== undefined ? { include: regexes(t.include, 'include') } : {}),
    ...(t.exclude !== undefined ? { exclude: regexes(t.exclude, 'exclude') } : {}),
    ...(t.semver !== undefined ? { semver: t.semver } : {}),
    prerelease: t.prerelease ?? false,
    ...(t.latest !== undefined ? { latest: t.latest } : {}),
    sortBy: t.sortBy ?? 'semver',
    ...(within !== undefined ? { pushedWithinMs: within } : {}),
  };
}

function referenceOf(text: string, field: string): ReturnType<typeof parseReference> {
  try {
    return parseReference(text);
  } catch (err) {
    if (err instanceof InvalidReferenceError) throw new Issue(field, `${field}: ${err.message}`);
    throw err;
  }
}

/** `host` or `host/prefix` with `repositories`: registry-wide; `host/repo`: one repository. */
function sourceOf(r: RuleShape): RuleV2['source'] {
  const text = r.source.trim().replace(/\/+$/, '');
  const bare = !text.includes('/');
  if (bare && !looksLikeRegistry(text)) throw new Issue('source', `"${text}" is neither a registry host nor host/repository`);
  const ref = referenceOf(bare ? `${text}/x` : text, 'source');
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new Issue('source', 'write the repository only: tags go under tags.list, digests under digests');
  }
  if (!bare && !r.repositories) return { registry: ref.registry, repository: ref.repository };
  const catalog: CatalogSelection = { include: regexes(r.repositories?.include, 'include'), exclude: regexes(r.repositories?.exclude, 'exclude') };
  if (r.tags?.list || r.digests)
    throw new Issue(r.digests ? 'digests' : 'list', 'a registry-wide source selects tags by filters, not by explicit tags or digests');
  return { registry: ref.registry, repository: bare ? '' : ref.repository, catalog };
}

/** Literal host; the path may use placeholders. Catalog sources without any get `/{{path}}` appended. */
function targetOf(r: RuleShape, source: RuleV2['source']): RuleV2['target'] {
  const text = r.target.trim().replace(/\/+$/, '');
  const slash = text.indexOf('/');
  const host = slash < 0 ? text : text.slice(0, slash);
  if (hasPlaceholders(host)) throw new Issue('target', 'the target registry host cannot be a template; only the repository path can');
  const problem = templateProblem(text, REPOSITORY_VARS);
  if (problem) throw new Issue('target', problem);
  const template = source.catalog && !hasPlaceholders(text) ? `${text}/{{path}}` : text;
  if (!template.includes('/')) throw new Issue('target', `"${text}" names no repository (expected host/repository)`);
  const sampleRepository = source.catalog ? [source.repository, 'team', 'app'].filter(Boolean).join('/') : source.repository;
  const sample = `${host}/${renderRepository(template.slice(template.indexOf('/') + 1), repositoryVars(source.registry, sampleRepository, source.repository))}`;
  const ref = referenceOf(sample, 'target');
  if (ref.tag !== undefined || ref.digest !== undefined) throw new Issue('target', 'a version-2 target is a repository; tags are kept from the source');
  if (!source.catalog && !hasPlaceholders(text) && ref.registry === source.registry && ref.repository === source.repository) {
    throw new Issue('target', 'source and target are the same repository');
  }
  return { registry: ref.registry, repositoryTemplate: template.slice(template.indexOf('/') + 1) };
}

function backupOf(template: string | undefined): string | undefined {
  if (template === undefined) return undefined;
  const problem = templateProblem(template, BACKUP_VARS);
  if (problem) throw new Issue('backup', problem);
  if (!isValidTag(render(template, backupVars('v1.0.0', new Date(0))))) throw new Issue('backup', `"${template}" does not make a valid tag`);
  return template;
}

function ruleOf(r: RuleShape, defaults: z.infer<typeof Defaults>, index: number, line: number | undefined): RuleV2 {
  const source = sourceOf(r);
  const platforms = r.platforms ?? defaults.platforms;
  const referrers = r.referrers ?? defaults.referrers;
  const backup = backupOf(r.backup ?? defaults.backup);
  const overwrite = r.overwrite ?? defaults.overwrite ?? 'if-changed';
  if (backup && overwrite === 'never') throw new Issue('backup', 'backup needs an overwrite that replaces tags (always or if-changed), not never');
  return {
    version: 2,
    id: `rule-${index + 1}`,
    ...(line === undefined ? {} : { line }),
    sourceText: r.source.trim(),
    targetText: r.target.trim(),
    source,
    target: targetOf(r, source),
    ...(r.tags ? { tags: tagFilter(r.tags) } : {}),
    ...(r.digests ? { digests: [...new Set(r.digests)] } : {}),
    ...(platforms && platforms !== 'all' ? { platforms } : {}),
    overwrite,
    ...(backup ? { backup } : {}),
    ...(referrers ? { referrers: referrers === true ? {} : referrers } : {}),
    raw: { ...defaults, ...r },
  };
}

const fieldOf = (path: readonly PropertyKey[]): string => String([...path].reverse().find((p) => typeof p === 'string') ?? '');
const pathText = (path: readonly PropertyKey[]): string => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');

/** Pure: a parsed `version: 2` document -> rules, or one ConfigError with every problem and its line. */
export function parseRulesV2(loaded: LoadedFile): RuleV2[] {
  const { file, value, lineOf, text } = loaded;
  const issues: ConfigIssue[] = [];
  const doc = Document.safeParse(value);
  if (!doc.success) {
    for (const i of doc.error.issues) {
      const keys = i.code === 'unrecognized_keys' ? i.keys : [fieldOf(i.path)];
      for (const k of keys) {
        const top = String(i.path[0] ?? k);
        const message =
          i.code === 'unrecognized_keys'
            ? `unknown key (expected ${i.path.length ? 'platforms, overwrite, backup or referrers' : 'version, defaults and rules'})`
            : i.message;
        issues.push({
          file,
          ...lineField(lineOf(top, i.path.length > 1 ? k : undefined)),
          key: `${pathText(i.path).slice(1) || k}${i.code === 'unrecognized_keys' && i.path.length ? `.${k}` : ''}`,
          message,
        });
      }
    }
    throw new ConfigError(issues);
  }
  const items = listItemLines(text, 'rules');
  const rules: RuleV2[] = [];
  doc.data.rules.forEach((raw, index) => {
    const parsed = RuleShape.safeParse(raw);
    const at = (field?: string) => lineField(items.lineOf(index, field));
    if (!parsed.success) {
      for (const i of parsed.error.issues) {
        const fields = i.code === 'unrecognized_keys' ? i.keys : [fieldOf(i.path)];
        for (const f of fields) {
          const key = `rules[${index}]${pathText(i.path)}${i.code === 'unrecognized_keys' ? `.${f}` : ''}`;
          issues.push({ file, ...at(f || undefined), key, message: i.code === 'unrecognized_keys' ? 'unknown key' : i.message });
        }
      }
      return;
    }
    try {
      rules.push(ruleOf(parsed.data, doc.data.defaults ?? {}, index, items.lineOf(index)));
    } catch (err) {
      if (!(err instanceof Issue)) throw err;
      issues.push({ file, ...at(err.field), key: `rules[${index}].${err.field}`, message: err.message });
    }
  });
  if (issues.length) throw new ConfigError(issues);
  return rules;
}

function lineField(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}
