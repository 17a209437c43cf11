import { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors.js';
import type { LineOf } from './line-index.js';
import { loadConfigFile, type LoadedFile } from './load-file.js';
import type { RuleV2 } from './rule-file-v2-types.js';
import { isVersion2, parseRulesV2 } from './rule-file-v2.js';
import { parseSource, parseTarget, RuleIssue, sourceTagText, targetSyntaxProblem } from './rule-parse.js';
import type { Rule, RuleDefaults, RuleSource } from './rule-file-types.js';
import { MAX_RULE_FILE_VALUES } from '../util/limits.js';

const ListItem = z.strictObject({
  source: z.string().min(1),
  target: z.union([z.string(), z.array(z.string()).min(1)]).nullish(),
});

const SHAPE = 'expected a map of "source: target" or a list of {source, target}';
const MAX_KEY = 200;

/** One source with its targets, before validation. */
interface Entry {
  readonly source: string;
  readonly targets: readonly unknown[];
  readonly key: string;
  readonly line?: number;
}

const shorten = (text: string): string => (text.length > MAX_KEY ? `${text.slice(0, MAX_KEY)}…` : text);
const withLine = (line: number | undefined): { line?: number } => (line === undefined ? {} : { line });

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}

function listEntries(items: unknown[], file: string, lineOf: LineOf, issues: ConfigIssue[]): Entry[] {
  return items.flatMap((item, i) => {
    const parsed = ListItem.safeParse(item);
    if (parsed.success) {
      const t = parsed.data.target;
      return [
        { source: parsed.data.source, targets: Array.isArray(t) ? t : [t ?? ''], key: shorten(parsed.data.source.trim()), ...withLine(lineOf(`[${i}]`)) },
      ];
    }
    for (const issue of parsed.error.issues) {
      const fields = issue.code === 'unrecognized_keys' ? issue.keys : [issue.path.map(String).join('.')];
      for (const field of fields) {
        const message = issue.code === 'unrecognized_keys' ? 'unknown key (expected source and target)' : field ? issue.message : `${issue.message} (${SHAPE})`;
        issues.push({
          file,
          ...withLine(field ? lineOf(`[${i}]`, field.split('.')[0]!) : lineOf(`[${i}]`)),
          key: field ? `[${i}].${field}` : `[${i}]`,
          message,
        });
      }
    }
    return [];
  });
}

function mapEntries(map: Record<string, unknown>, lineOf: LineOf): Entry[] {
  return Object.entries(map).map(([key, value]) => ({ source: key, targets: [value ?? ''], key: shorten(key.trim()), ...withLine(lineOf(key)) }));
}

function ruleFor(e: Entry, target: unknown, defaults: RuleDefaults): Omit<Rule, 'id'> {
  if (typeof target !== 'string') {
    const hint = Array.isArray(target) ? ' (several targets need the list form: "- source: …" with "target: [a, b]")' : '';
    throw new RuleIssue(`target must be a string, got ${describeType(target)}${hint}`);
  }
  const sourceText = e.source.trim();
  const targetText = target.trim();
  let source: RuleSource;
  try {
    source = parseSource(sourceText);
  } catch (err) {
    const also = err instanceof RuleIssue ? targetSyntaxProblem(targetText) : undefined;
    if (also !== undefined && err instanceof RuleIssue) throw new RuleIssue(`${err.message}; ${also}`);
    throw err;
  }
  const parsedTarget = parseTarget(targetText, source, sourceTagText(sourceText), defaults);
  return { ...withLine(e.line), sourceText, targetText, source, target: parsedTarget };
}

/**
 * Pure: a parsed rule file (either form) -> rules, in file order, one per target. Every problem of
 * every rule is reported at once in one ConfigError; nothing else is thrown.
 */
export function parseRules(value: unknown, file: string, lineOf: LineOf, defaults: RuleDefaults = {}): Rule[] {
  if (value === null || value === undefined) throw new ConfigError([{ file, message: 'the rule file has no rules' }]);
  if (typeof value !== 'object') throw new ConfigError([{ file, message: `${SHAPE}, got ${describeType(value)}` }]);
  const issues: ConfigIssue[] = [];
  const entries = Array.isArray(value) ? listEntries(value, file, lineOf, issues) : mapEntries(value as Record<string, unknown>, lineOf);
  const rules: Rule[] = [];
  for (const e of entries) {
    for (const target of e.targets) {
      try {
        rules.push({ id: `rule-${rules.length + 1}`, ...ruleFor(e, target, defaults) });
      } catch (err) {
        if (!(err instanceof RuleIssue)) throw err;
        issues.push({ file, ...withLine(e.line), key: e.key, message: err.message });
      }
    }
  }
  if (issues.length) throw new ConfigError(issues);
  if (rules.length === 0) throw new ConfigError([{ file, message: 'the rule file has no rules' }]);
  return rules;
}

/** Either format: the original's (`source: target`) or `version: 2` (see rules-v2.ts). */
export function parseRuleFile(f: LoadedFile, defaults: RuleDefaults = {}): Array<Rule | RuleV2> {
  if (expandedValues(f.value, MAX_RULE_FILE_VALUES) > MAX_RULE_FILE_VALUES) {
    throw new ConfigError([
      {
        file: f.file,
        message: `the rules expand to more than ${MAX_RULE_FILE_VALUES.toLocaleString('en')} values (YAML aliases repeating large lists?): split the file`,
      },
    ]);
  }
  return isVersion2(f.value) ? parseRulesV2(f) : parseRules(f.value, f.file, f.lineOf, defaults);
}

/** Reads and validates a rule file (`.yaml`, `.yml` or `.json`) of either format. */
export async function loadRuleFile(path: string, defaults: RuleDefaults = {}): Promise<Array<Rule | RuleV2>> {
  return parseRuleFile(await loadConfigFile(path), defaults);
}

/** Values of a parsed document as expanded (an alias counts each time it is used), counted up to `cap` + 1. */
function expandedValues(value: unknown, cap: number): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length && count <= cap) {
    const v = stack.pop();
    count += 1;
    if (Array.isArray(v)) stack.push(...v.slice(0, cap + 1 - count));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) stack.push(k, x);
  }
  return count;
}
