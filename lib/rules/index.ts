/**
 * Rule files: what to copy where. Both formats (the original flat map and version 2 with filters,
 * catalogs, templates and options), their parsing with file:line errors, and formatting failed rules
 * back into a rule file. Also the shared reading of a configuration file (size cap, YAML/JSON, line
 * numbers, ConfigError) that lib/credentials uses for the security file.
 * May import: lib/oci, lib/util.
 */
export { ConfigError, formatIssue, type ConfigIssue } from './errors.js';
export type { LineOf } from './line-index.js';
export { loadConfigFile, parseConfigBytes, MAX_CONFIG_BYTES, type LoadedFile } from './load-file.js';
export type { Rule, RuleDefaults, RuleSource, RuleTarget, TagSelection } from './rule-file-types.js';
export { loadRuleFile, parseRules, parseRuleFile } from './rule-file.js';
export { formatRuleFile, formatRuleFileV2, type RulePair } from './format-rules.js';
export type { RuleV2, TagFilter, CatalogSelection } from './rule-file-v2-types.js';
export { parseRulesV2, isVersion2 } from './rule-file-v2.js';
export { render, renderRepository, repositoryVars, backupVars } from './template.js';
