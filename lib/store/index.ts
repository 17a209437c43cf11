/**
 * The object store: where runs, reports, jobs, checkpoints and the shared pull budget live.
 * The port (`ObjectStore`), its local-directory adapter, the layout that owns every key, and the pull
 * ledger's port. The COS adapters are in `./cos.js`, a second entry point, so that a process that never
 * touches COS (the CLI) never loads the COS SDK.
 * May import: lib/util, lib/tencent (types of the credential provider). Nothing above it.
 */
export * from './errors.js';
export * from './fs-store.js';
export * from './keys.js';
export * from './layout.js';
export type * from './port.js';
export * from './pull-ledger.js';
