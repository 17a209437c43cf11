/**
 * Pure planning: rules and listed tags -> TransferTask[] with deterministic ids; tag selection of
 * version-2 rules (regex, semver, latest-N, pushed-within).
 * May import: lib/oci, lib/rules.
 */
export { TransferTask, type Endpoint, formatEndpoint, taskIdOf } from './task.js';
export { expandRule, dedupeTasks, type ExpandOptions } from './expand.js';
export { expandRuleV2, targetRepository } from './expand-rule-file-v2.js';
export { selectTags, versionOf, type CreatedOf } from './select-tags.js';
