export * from './digest.js';
export * from './media-types.js';
export * from './manifest.js';
export * from './reference.js';
export * from './store.js';
export * from './referrers.js';
