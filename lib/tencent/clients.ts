import { Client as CamClient } from 'tencentcloud-sdk-nodejs/tencentcloud/services/cam/v20190116/cam_client.js';
import { Client as ScfClient } from 'tencentcloud-sdk-nodejs/tencentcloud/services/scf/v20180416/scf_client.js';
import { Client as SsmClient } from 'tencentcloud-sdk-nodejs/tencentcloud/services/ssm/v20190923/ssm_client.js';
import { Client as TdmqClient } from 'tencentcloud-sdk-nodejs/tencentcloud/services/tdmq/v20200217/tdmq_client.js';
import type { CredentialProvider } from './cloud-credential.js';
import { httpProfileOf } from './sdk.js';

/**
 * Where cloud API calls go. Production: the SDK defaults (`<service>.tencentcloudapi.com`, https).
 * Tests: `proxy` sends every call through a local server (the Host, and so the TC3 signature, stay real).
 */
export interface CloudEndpoint {
  readonly region: string;
  readonly proxy?: string;
}

function profile(endpoint: CloudEndpoint) {
  return { httpProfile: httpProfileOf(endpoint.proxy ? { proxy: endpoint.proxy } : {}) };
}

export function scfClient(credential: CredentialProvider, endpoint: CloudEndpoint): ScfClient {
  return new ScfClient({ credential, region: endpoint.region, profile: profile(endpoint) });
}

export function ssmClient(credential: CredentialProvider, endpoint: CloudEndpoint): SsmClient {
  return new SsmClient({ credential, region: endpoint.region, profile: profile(endpoint) });
}

export type { ScfClient, SsmClient };

export function tdmqClient(credential: CredentialProvider, endpoint: CloudEndpoint): TdmqClient {
  return new TdmqClient({ credential, region: endpoint.region, profile: profile(endpoint) });
}

export type { TdmqClient };

/** CAM (global service: the region is ignored by the API). Bootstrap and doctor only. */
export function camClient(credential: CredentialProvider, endpoint: CloudEndpoint): CamClient {
  return new CamClient({ credential, region: endpoint.region, profile: profile(endpoint) });
}

export type { CamClient };

export { readSecret } from './secret.js';
