export { TransferTask, type Endpoint, formatEndpoint, taskIdOf } from './task.js';
export { expandRule, dedupeTasks, type ExpandOptions } from './expand.js';
