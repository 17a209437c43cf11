/**
 * The OCI vocabulary: image references, digests and their on-the-fly verifier, media types, manifest
 * schemas (raw bytes kept), referrers, and the ports (ImageSource, ImageTarget...) the engine works on.
 * May import: lib/util.
 */
export * from './digest.js';
export * from './media-types.js';
export * from './manifest.js';
export * from './reference.js';
export * from './store.js';
export * from './referrers.js';
