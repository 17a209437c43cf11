/**
 * The TaskQueue port and its adapters: in-process (the CLI), TDMQ for CMQ (the designed fan-out) and
 * one SCF async invocation per task.
 * May import: lib/http, lib/planner (the task schema), lib/tencent (and its SDK clients), lib/util.
 */
export { QueueError, type ReceivedTask, type TaskSink, type TaskSource } from './port.js';
export { InProcessQueue } from './in-process.js';
export { CmqQueue, type CmqOptions } from './cmq.js';
export { ScfAsyncSink, invokeAsync, type InvokeTarget } from './scf-async.js';
export { cmqSignature } from './cmq-signature.js';
