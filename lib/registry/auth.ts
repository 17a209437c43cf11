import { z } from 'zod';
import type { HttpTransport, TransportResponse } from '../http/index.js';
import { registerCredentials, registerSecret } from '../util/redact.js';
import { MAX_TOKEN_RESPONSE_BYTES } from '../util/limits.js';
import { readBoundedJson } from './bounded-read.js';
import { RegistryError } from './errors.js';
import type { Challenge } from './www-authenticate.js';

export interface Credentials {
  readonly username?: string;
  readonly password?: string;
  /** A ready bearer token (e.g. a registry access token); used as is, never exchanged. */
  readonly token?: string;
}

/** Credentials that expire (e.g. TCR instance tokens): asked again whenever a token is fetched. */
export type CredentialSource = Credentials | (() => Promise<Credentials>);

/** `repository:<name>:<actions>` or `registry:catalog:*` (distribution token scope grammar). */
export type Scope = string;

export function repoScope(repository: string, actions: 'pull' | 'pull,push'): Scope {
  return `repository:${repository}:${actions}`;
}

interface CachedToken {
  readonly value: string;
  readonly expiresAt: number;
}

const TokenResponse = z.looseObject({
  token: z.string().optional(),
  access_token: z.string().optional(),
  expires_in: z.number().optional(),
});

/** Refresh this long before expiry so a token never dies in the middle of a request. */
const EXPIRY_MARGIN_MS = 15_000;

/**
 * Produces the Authorization header for a set of scopes. The scheme is learnt from the ping (or a 401)
 * and kept; bearer tokens are cached per scope set. Credentials go only to the registry origin and to
 * the token realm the registry named, and only over TLS unless the registry is configured insecure.
 * Contract with the caller: `learn` is given only challenges that the registry's own origin sent (a 401
 * from a host reached by a redirect or an upload Location must never move the credentials elsewhere).
 */
export class Authenticator {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly source: CredentialSource,
    private readonly transport: HttpTransport,
    private readonly allowPlainHttp: boolean,
  ) {
    if (typeof source !== 'function') registerCredentials(source);
  }

  private async credentials(): Promise<Credentials> {
    if (typeof this.source !== 'function') return this.source;
    const c = await this.source();
    registerCredentials(c);
    return c;
  }

  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }

  learn(challenge: Challenge | undefined): void {
    if (challenge) this.challenge = challenge;
  }

  /** Forgets the cached token for these scopes (after a 401 on a request that carried it). */
  invalidate(scopes: readonly Scope[]): void {
    this.tokens.delete(keyOf(scopes));
  }

  async header(scopes: readonly Scope[], signal?: AbortSignal): Promise<string | undefined> {
    const credentials = await this.credentials();
    if (credentials.token) return `Bearer ${credentials.token}`;
    const scheme = this.challenge?.scheme;
    if (scheme === 'basic') return basicOf(credentials);
    if (scheme !== 'bearer') return undefined;
    const key = keyOf(scopes);
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return `Bearer ${cached.value}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetchToken(scopes, signal).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const token = await pending;
    this.tokens.set(key, token);
    return `Bearer ${token.value}`;
  }

  private async fetchToken(scopes: readonly Scope[], signal?: AbortSignal): Promise<CachedToken> {
    const basic = basicOf(await this.credentials());
    const realm = this.challenge?.params.realm;
    if (!realm) throw new RegistryError({ code: 'REGISTRY_PROTOCOL', method: 'GET', url: '(token realm)', detail: 'bearer challenge without realm' });
    const url = new URL(realm);
    if (url.protocol !== 'https:' && !this.allowPlainHttp && basic) {
      throw new RegistryError({
        code: 'REGISTRY_UNAUTHORIZED',
        method: 'GET',
        url: realm,
        detail: 'refusing to send credentials to a plain-http token realm; set insecure for this registry',
      });
    }
    const service = this.challenge?.params.service;
    if (service) url.searchParams.set('service', service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (basic) headers.authorization = basic;
    const started = Date.now();
    let res: TransportResponse;
    try {
      res = await this.transport.request({ origin: url.origin, path: url.pathname + url.search, method: 'GET', headers, signal });
    } catch (cause) {
      throw new RegistryError({
        code: 'REGISTRY_NETWORK',
        method: 'GET',
        url: url.toString(),
        detail: String((cause as Error).message),
        retryable: true,
        cause,
      });
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new RegistryError({
        code: res.statusCode === 401 || res.statusCode === 403 ? 'REGISTRY_UNAUTHORIZED' : 'REGISTRY_HTTP',
        method: 'GET',
        url: url.toString(),
        status: res.statusCode,
        detail: 'token request refused',
        tokenRealm: true,
      });
    }
    const json = TokenResponse.safeParse(await readBoundedJson({ ...res, url: url.toString() }, MAX_TOKEN_RESPONSE_BYTES, 'token response'));
    const value = json.success ? (json.data.token ?? json.data.access_token) : undefined;
    if (!json.success || !value)
      throw new RegistryError({ code: 'REGISTRY_PROTOCOL', method: 'GET', url: url.toString(), detail: 'token response without token' });
    registerSecret(value);
    const expiresIn = json.data.expires_in;
    const lifetime = (expiresIn && expiresIn > 0 ? expiresIn : 60) * 1000;
    return { value, expiresAt: started + lifetime };
  }
}

function basicOf({ username, password }: Credentials): string | undefined {
  if (!username || password === undefined) return undefined;
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function keyOf(scopes: readonly Scope[]): string {
  return [...scopes].sort().join(' ');
}
