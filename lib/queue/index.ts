export { QueueError, type ReceivedTask, type TaskSink, type TaskSource } from './port.js';
export { InProcessQueue } from './in-process.js';
export { CmqQueue, type CmqOptions } from './cmq.js';
export { ScfAsyncSink } from './scf-async.js';
export { cmqSignature } from './cmq-signature.js';
