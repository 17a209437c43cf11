import { createTcrClient, type TcrClient } from '../../../lib/tencent/sdk.js';
import { ApiThrottle, type ThrottleOptions } from '../../../lib/tencent/throttle.js';
import { startTc3Server, type Tc3Server } from '../../support/tc3-server.js';
import { TcrModel } from '../../support/tcr-model.js';

export const KEY = { secretId: 'AKIDtcrtest00000000001', secretKey: 'tcr-test-secret-key-000001' };
export const ROLE = { secretId: 'AKIDroletest0000000001', secretKey: 'role-test-secret-key-0001', token: 'role-session-token-0001' };

export interface TcrCloud {
  readonly model: TcrModel;
  readonly server: Tc3Server;
  /** A real SDK client pointed at the stand-in. */
  client(region: string, credential?: { secretId: string; secretKey: string; token?: string }): TcrClient;
  stop(): Promise<void>;
}

/** The TC3 stand-in serving an in-memory TCR account; no rate limit unless asked. */
export async function startTcrCloud(options: { rateLimit?: number } = {}): Promise<TcrCloud> {
  const model = new TcrModel();
  const server = await startTc3Server({
    secrets: { [KEY.secretId]: KEY.secretKey, [ROLE.secretId]: ROLE.secretKey },
    tokens: [ROLE.token],
    services: { tcr: model.service() },
    rateLimit: options.rateLimit ?? 0,
  });
  return {
    model,
    server,
    client: (region, credential = KEY) => createTcrClient({ credential, region, endpoint: server.endpoint, timeoutSeconds: 5 }),
    stop: () => server.stop(),
  };
}

/** A throttle that does not slow tests down, with quick retries. */
export function fastThrottle(options: ThrottleOptions = {}): ApiThrottle {
  return new ApiThrottle({ qps: 100_000, baseDelayMs: 5, maxDelayMs: 40, ...options });
}
