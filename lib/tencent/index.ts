/**
 * Tencent Cloud, light part: API credentials (SCF role, secret file), the error type of the cloud APIs
 * and the throttle every API call goes through. The SDK clients are second entry points, `./sdk.js`
 * (CCR, TCR) and `./clients.js` (SCF, SSM, TDMQ), loaded only by what calls the cloud.
 * May import: lib/http, lib/rules (the shared configuration-file reading), lib/util.
 */
export { CredentialError, scfRoleCredential, staticCredential, type CloudCredential, type CredentialProvider } from './cloud-credential.js';
export { loadSecretFile, parseSecretFile, resolveApiCredentials, type ApiCredentialSource, type ApiKeysBySide } from './credential.js';
export { TencentApiError, apiCodeOf, asSdkFailure, type SdkFailure, type TencentApiErrorCode } from './errors.js';
export { ApiThrottle, DEFAULT_TENCENT_QPS, isRetryable, throttleClient, type RetryNotice, type ThrottleOptions } from './throttle.js';
