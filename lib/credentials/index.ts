/**
 * Registry credentials: the security file, and the other sources a user already has (docker config
 * and its credential helpers, REGISTRY_AUTH_FILE, IMAGE_TRANSFER_* variables), merged by precedence
 * into one lookup per registry and repository; every secret registered for redaction as it is read.
 * May import: lib/rules (the shared configuration-file reading), lib/oci, lib/util.
 */
export { secretsOf, type AccessCredentials, type CredentialStore, type RegistryAccess } from './credential-store.js';
export { dockerConfigEntries, dockerConfigPath } from './docker-config.js';
export { CredentialHelperError } from './cred-helper.js';
export { envKey } from './env-credentials.js';
export { loadSecurityFile, credentialStore, type SecurityOptions } from './security.js';
