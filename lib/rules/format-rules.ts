import yaml from 'js-yaml';

export interface RulePair {
  readonly source: string;
  readonly target: string;
}

/**
 * A rule file for `pairs` (failed.yaml): the original map form, or the list form when a source
 * repeats. Parsing the result gives the same rules as the pairs, in the same order.
 */
export function formatRuleFile(pairs: ReadonlyArray<RulePair>): string {
  const sources = new Set(pairs.map((p) => p.source));
  const body =
    sources.size === pairs.length ? Object.fromEntries(pairs.map((p) => [p.source, p.target])) : pairs.map((p) => ({ source: p.source, target: p.target }));
  const text = pairs.length === 0 ? '{}\n' : yaml.dump(body, { lineWidth: -1, noRefs: true });
  return `# image-transfer rule file: the images that failed; re-run with --ruleFile=<this file>\n${text}`;
}

/** A `version: 2` rule file of already-shaped rules (failed.yaml of a version-2 run). */
export function formatRuleFileV2(rules: ReadonlyArray<Readonly<Record<string, unknown>>>): string {
  const text = yaml.dump({ version: 2, rules }, { lineWidth: -1, noRefs: true });
  return `# image-transfer rule file: the images that failed; re-run with --ruleFile=<this file>\n${text}`;
}
