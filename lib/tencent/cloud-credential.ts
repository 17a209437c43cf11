import { registerSecret } from '../util/redact.js';
import { CodedError } from '../util/errors.js';

/** Tencent Cloud API keys; `token` is set for temporary (role or STS) credentials. */
export interface CloudCredential {
  readonly secretId: string;
  readonly secretKey: string;
  readonly token?: string;
}

/** The SDK's DynamicCredential shape: asked before every call, so rotated role keys are picked up. */
export interface CredentialProvider {
  getCredential(): Promise<CloudCredential>;
}

export class CredentialError extends CodedError<'CLOUD_CREDENTIALS_MISSING'> {
  constructor(message: string) {
    super('CLOUD_CREDENTIALS_MISSING', message);
    this.name = 'CredentialError';
  }
}

/**
 * Credentials of the function's execution role. SCF injects `TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN`
 * (the SDK itself reads other names); they are read at call time because role keys rotate.
 */
export function scfRoleCredential(env: Record<string, string | undefined> = process.env): CredentialProvider {
  return {
    async getCredential() {
      const secretId = env.TENCENTCLOUD_SECRETID ?? env.TENCENTCLOUD_SECRET_ID;
      const secretKey = env.TENCENTCLOUD_SECRETKEY ?? env.TENCENTCLOUD_SECRET_KEY;
      const token = env.TENCENTCLOUD_SESSIONTOKEN ?? env.TENCENTCLOUD_SESSION_TOKEN;
      if (!secretId || !secretKey) {
        throw new CredentialError(
          'no Tencent Cloud credentials: TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY are not set (is an execution role attached to the function?)',
        );
      }
      registerSecret(secretKey);
      registerSecret(token);
      return { secretId, secretKey, ...(token ? { token } : {}) };
    },
  };
}

export function staticCredential(credential: CloudCredential): CredentialProvider {
  registerSecret(credential.secretKey);
  registerSecret(credential.token);
  return { getCredential: async () => credential };
}
