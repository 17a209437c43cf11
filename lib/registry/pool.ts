import type { CredentialSource, Credentials } from './auth.js';
import { RegistryClient, type RegistryOptions } from './client.js';
import { RegistryRepository } from './repository.js';

const functionIds = new WeakMap<object, number>();
let nextFunctionId = 0;

/** Credentials as part of a client key: a credential function by its identity (same function, same client). */
function credentialKey(source: RegistryOptions['credentials']): unknown {
  if (typeof source !== 'function') return source ?? null;
  let id = functionIds.get(source);
  if (id === undefined) functionIds.set(source, (id = nextFunctionId++));
  return `function#${id}`;
}

/**
 * Settings for one registry+repository, as resolved from the security configuration, and where its
 * credentials come from in words (`null`: none, anonymous) for failure hints.
 */
export type AccessResolver = (registry: string, repository: string) => Omit<RegistryOptions, 'registry'> & { readonly credentialSource?: string | null };

/** What the security configuration says of one registry+repository (lib/rules' RegistryAccess, by shape). */
export interface RegistryAccessEntry extends Credentials {
  /** Credentials a docker credential helper decides, asked once (its identity keys the client). */
  readonly deferred?: () => Promise<Credentials>;
  readonly insecure: boolean;
  readonly ca?: string;
  /** Where the credentials come from, in words (lib/credentials' RegistryAccess.source). */
  readonly source?: string;
}

/** The words for credentials an `override` supplies (a TCR instance login). */
export const OVERRIDE_SOURCE = 'the temporary login of the TCR instance (CreateInstanceToken)';

/**
 * The one mapping from the security configuration to client settings, for the CLI and the functions:
 * a registry's `override` (a TCR instance login) wins over a credential helper, which wins over the
 * file's own username/password/token; `extra` adds per-registry options such as the pull gate.
 */
export function accessFrom(
  lookup: (registry: string, repository: string) => RegistryAccessEntry,
  options: { override?: (registry: string) => CredentialSource | undefined; extra?: (registry: string) => Partial<Omit<RegistryOptions, 'registry'>> } = {},
): AccessResolver {
  return (registry, repository) => {
    const a = lookup(registry, repository);
    const own = a.username || a.token ? { username: a.username, password: a.password, token: a.token } : undefined;
    const override = options.override?.(registry);
    const credentials = override ?? a.deferred ?? own;
    const credentialSource = override ? OVERRIDE_SOURCE : (a.source ?? null);
    return { ...options.extra?.(registry), credentials, insecure: a.insecure, ca: a.ca, credentialSource };
  };
}

/**
 * One client (one keep-alive connection pool, one token cache, one rate limiter) per registry and
 * credential set, shared by every image of a run.
 */
export class RegistryPool {
  private readonly clients = new Map<string, RegistryClient>();

  constructor(
    private readonly resolveAccess: AccessResolver,
    private readonly shared: Partial<RegistryOptions> = {},
  ) {}

  repository(registry: string, repository: string): RegistryRepository {
    return new RegistryRepository(this.client(registry, repository), repository);
  }

  /** Where the credentials for `registry/repository` come from, in words; `null` when anonymous. */
  credentialSource(registry: string, repository: string): string | null {
    return this.resolveAccess(registry, repository).credentialSource ?? null;
  }

  client(registry: string, repository = ''): RegistryClient {
    const { credentialSource: _, ...access } = this.resolveAccess(registry, repository);
    const key = JSON.stringify([registry, credentialKey(access.credentials), access.insecure ?? false, access.ca ?? null]);
    let client = this.clients.get(key);
    if (!client) {
      client = new RegistryClient({ ...this.shared, ...access, registry });
      this.clients.set(key, client);
    }
    return client;
  }

  /** The slowest registry's round trip so far (the largest RegistryClient.roundTripMs); undefined before any answer. */
  slowestRoundTripMs(): number | undefined {
    const times = [...this.clients.values()].flatMap((c) => (c.roundTripMs === undefined ? [] : [c.roundTripMs]));
    return times.length ? Math.max(...times) : undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}
