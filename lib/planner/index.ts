export { TransferTask, type Endpoint, formatEndpoint, taskIdOf } from './task.js';
export { expandRule, dedupeTasks, type ExpandOptions } from './expand.js';
export { expandRuleV2, targetRepository } from './expand-v2.js';
export { selectTags, versionOf, type CreatedOf } from './select-tags.js';
