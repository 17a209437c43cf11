/** The COS adapters of the object store (second entry point of lib/store: loads the COS SDK). */
export { CosObjectStore, cosClient, type CosStoreOptions } from './cos-store.js';
export { CosPullLedger, type CosLedgerOptions } from './cos-ledger.js';
