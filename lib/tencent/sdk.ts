import { Agent as HttpAgent } from 'node:http';
import { Client as TcrClient } from 'tencentcloud-sdk-nodejs/tencentcloud/services/tcr/v20190924/tcr_client.js';
import { registerSecret } from '../util/redact.js';
import type { CloudCredential, CredentialProvider } from './cloud-credential.js';
import { ApiThrottle, throttleClient } from './throttle.js';

export type { TcrClient };

export interface SdkClientOptions {
  readonly credential: CloudCredential | CredentialProvider;
  readonly region: string;
  /**
   * API host, or a URL for a local stand-in. A host (`tcr.ap-guangzhou.tencentcloudapi.com`) is called
   * over https. A URL (`http://127.0.0.1:8080`) sets protocol and host: the SDK then signs with the
   * host's first label as the service name, which a stand-in must accept (the real API never sees it).
   * @default the SDK's `tcr.tencentcloudapi.com`
   */
  readonly endpoint?: string;
  /** An http proxy for every call; the host, and so the signature, stay real. */
  readonly proxy?: string;
  /** @default 30 */
  readonly timeoutSeconds?: number;
}

interface HttpProfile {
  endpoint?: string;
  protocol?: string;
  proxy?: string;
  agent?: HttpAgent;
  reqTimeout: number;
}

/** The SDK's httpProfile for these options (the URL it calls is `protocol + endpoint + '/'`). */
export function httpProfileOf(options: Pick<SdkClientOptions, 'endpoint' | 'proxy' | 'timeoutSeconds'>): HttpProfile {
  const profile: HttpProfile = { reqTimeout: options.timeoutSeconds ?? 30 };
  if (options.proxy) Object.assign(profile, { proxy: options.proxy, protocol: 'http://' });
  const endpoint = options.endpoint;
  if (!endpoint) return profile;
  if (!/^https?:\/\//i.test(endpoint)) return { ...profile, endpoint };
  const url = new URL(endpoint);
  profile.endpoint = url.host;
  profile.protocol = `${url.protocol}//`;
  // A plain-http endpoint is a local stand-in: bypass any http_proxy from the environment.
  if (url.protocol === 'http:' && !options.proxy) profile.agent = new HttpAgent({ keepAlive: true });
  return profile;
}

/** The real SDK client for TCR (both editions: the personal-edition actions are `*Personal`). */
export function createTcrClient(options: SdkClientOptions): TcrClient {
  const credential = options.credential;
  if (!('getCredential' in credential)) {
    registerSecret(credential.secretKey);
    registerSecret(credential.token);
  }
  return new TcrClient({ credential, region: options.region, profile: { httpProfile: httpProfileOf(options) } });
}

export interface CcrTcrClientOptions {
  /** Keys per side (secret file) or one provider for both (SCF execution role). */
  readonly credentials: { readonly ccr: CloudCredential | CredentialProvider; readonly tcr: CloudCredential | CredentialProvider };
  readonly ccrRegion: string;
  readonly tcrRegion: string;
  readonly endpoint?: string;
  readonly proxy?: string;
  readonly timeoutSeconds?: number;
  /** Shared by both clients (one account's rate limits). @default a new ApiThrottle() */
  readonly throttle?: ApiThrottle;
  /** Stops retries and waits in the throttle. */
  readonly signal?: AbortSignal;
}

/** Throttled clients for the CCR->TCR mode: personal-edition calls in the CCR region, enterprise calls in the TCR region. */
export function createCcrTcrClients(options: CcrTcrClientOptions): { ccrApi: TcrClient; tcrApi: TcrClient } {
  const throttle = options.throttle ?? new ApiThrottle();
  const common = { endpoint: options.endpoint, proxy: options.proxy, timeoutSeconds: options.timeoutSeconds };
  const ccr = createTcrClient({ ...common, credential: options.credentials.ccr, region: options.ccrRegion });
  const tcr = createTcrClient({ ...common, credential: options.credentials.tcr, region: options.tcrRegion });
  return { ccrApi: throttleClient(ccr, throttle, options.signal), tcrApi: throttleClient(tcr, throttle, options.signal) };
}
