export { ConfigError, formatIssue, type ConfigIssue } from './errors.js';
export { loadConfigFile, parseConfigBytes, MAX_CONFIG_BYTES, type LoadedFile } from './load-file.js';
export { loadSecurityFile, credentialStore, dockerConfigEntries, type CredentialStore, type RegistryAccess } from './security.js';
export { loadRuleFile, parseRules, formatRuleFile, type Rule, type RuleDefaults, type TagSelection } from './rules.js';
