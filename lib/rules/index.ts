export { ConfigError, formatIssue, type ConfigIssue } from './errors.js';
export type { LineOf } from './line-index.js';
export { loadConfigFile, parseConfigBytes, MAX_CONFIG_BYTES, type LoadedFile } from './load-file.js';
export { secretsOf, type CredentialStore, type RegistryAccess } from './credential-store.js';
export { dockerConfigEntries, dockerConfigPath } from './docker-config.js';
export { loadSecurityFile, credentialStore, type SecurityOptions } from './security.js';
export type { Rule, RuleDefaults, RuleSource, RuleTarget, TagSelection } from './rule-types.js';
export { loadRuleFile, parseRules } from './rules.js';
export { formatRuleFile, type RulePair } from './format-rules.js';
