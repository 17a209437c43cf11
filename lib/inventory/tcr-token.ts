import type { Credentials } from '../registry/index.js';
import { registerSecret } from '../util/redact.js';
import type { TcrApi } from './api.js';
import { InventoryError, messageOf } from './errors.js';

export interface InstanceLoginOptions {
  /** Renew this long before the token expires. @default 5 minutes */
  readonly marginMs?: number;
  readonly now?: () => number;
}

/** A registry login that renews itself; callable as the registry client's credential source. */
export interface InstanceLogin {
  (): Promise<Credentials>;
  /** Expiry (epoch ms) of the token last obtained, if any. */
  readonly expiresAt: number | undefined;
}

const DEFAULT_TTL_MS = 3_600_000;

/**
 * Registry credentials for a TCR instance from `CreateInstanceToken` (temporary: username + token,
 * about one hour). The pair is cached and renewed `marginMs` before `ExpTime`; concurrent callers
 * share one renewal. Tokens are registered as secrets.
 */
export function instanceTokenLogin(api: TcrApi, registryId: string, options: InstanceLoginOptions = {}): InstanceLogin {
  const now = options.now ?? Date.now;
  const margin = options.marginMs ?? 5 * 60_000;
  let cached: { credentials: Credentials; expiresAt: number } | undefined;
  let pending: Promise<Credentials> | undefined;
  const renew = async (): Promise<Credentials> => {
    const issuedAt = now();
    const r = await api.CreateInstanceToken({ RegistryId: registryId, TokenType: 'temp' }).catch((err: unknown) => {
      throw new InventoryError('TCR_TOKEN_FAILED', `cannot get a registry login for TCR instance ${registryId}: ${messageOf(err)}`, { cause: err });
    });
    if (!r.Username || !r.Token) throw new InventoryError('TCR_TOKEN_FAILED', `CreateInstanceToken for ${registryId} returned no username or token`);
    registerSecret(r.Token);
    const exp = r.ExpTime && r.ExpTime < 1e12 ? r.ExpTime * 1000 : r.ExpTime;
    cached = { credentials: { username: r.Username, password: r.Token }, expiresAt: exp || issuedAt + DEFAULT_TTL_MS };
    return cached.credentials;
  };
  const login = async (): Promise<Credentials> => {
    if (cached && cached.expiresAt - margin > now()) return cached.credentials;
    pending ??= renew().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  return Object.defineProperty(login, 'expiresAt', { get: () => cached?.expiresAt, enumerable: true }) as InstanceLogin;
}
