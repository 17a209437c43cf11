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

/** Settings for one registry+repository, as resolved from the security configuration. */
export type AccessResolver = (registry: string, repository: string) => Omit<RegistryOptions, 'registry'>;

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

  client(registry: string, repository = ''): RegistryClient {
    const access = this.resolveAccess(registry, repository);
    const key = JSON.stringify([registry, credentialKey(access.credentials), access.insecure ?? false, access.ca ?? null]);
    let client = this.clients.get(key);
    if (!client) {
      client = new RegistryClient({ ...this.shared, ...access, registry });
      this.clients.set(key, client);
    }
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}
