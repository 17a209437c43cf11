/**
 * The OCI distribution client: one client per registry and credential set (auth, retries, pull quota,
 * redirects without credentials, bounded reads), manifests, blobs, tags and catalog, referrers, and
 * RegistryRepository, the adapter that implements lib/oci's ports for one repository.
 * May import: lib/http, lib/oci, lib/util.
 */
export { RegistryClient, type RegistryOptions, type RetryEvent } from './client.js';
export { RegistryError, type RegistryDiagnostic, type RegistryErrorCode } from './errors.js';
export { type Credentials, type CredentialSource, repoScope } from './auth.js';
export { RegistryRepository } from './repository.js';
export { accessFrom, OVERRIDE_SOURCE, RegistryPool, type AccessResolver, type RegistryAccessEntry } from './pool.js';
export { listTags, listRepositories, type OnSkippedName } from './tags.js';
export { isValidRepository, isValidTag, shownNames } from './names.js';
export { apiHost } from './profiles.js';
export { headManifest, getManifest, putManifest } from './manifests.js';
export { listReferrers, putManifestWithSubject } from './referrers.js';
export * as blobs from './blobs.js';
export { parseWwwAuthenticate, type Challenge } from './www-authenticate.js';
export { backoffDelay, parseRetryAfter, DEFAULT_RETRY, type RetryPolicy } from './retry.js';
