import { normaliseRegistry } from '../oci/index.js';

/** What a registry (or one repository in it) needs for access. */
export interface RegistryAccess {
  readonly username?: string;
  readonly password?: string;
  /** A ready registry bearer token. */
  readonly token?: string;
  /** Plain http, or TLS without verification. */
  readonly insecure: boolean;
  /** PEM contents of the CA that signed the registry's certificate. */
  readonly ca?: string;
}

export interface CredentialStore {
  lookup(registry: string, repository: string): RegistryAccess;
  /** Registry hosts the security file names (not the docker config fallback), normalised. */
  readonly registries: readonly string[];
}

/** One credential key, split into normalised path components: `index.docker.io/ns` -> `docker.io`, `ns`. */
export interface CredentialEntry {
  readonly path: readonly string[];
  readonly access: RegistryAccess;
  /** Whether the entry itself says `insecure` (otherwise it inherits it from a shorter key). */
  readonly insecureSet: boolean;
}

const secretsByStore = new WeakMap<CredentialStore, readonly string[]>();

/** `host[:port][/ns…]`, also `https://host/v1/` as docker config writes it, -> path components. */
export function keyPath(key: string): string[] {
  const trimmed = key.trim().replace(/^https?:\/\//i, '').replace(/\/v[12]\/?$/, '');
  const [host = '', ...rest] = trimmed.split('/').filter(Boolean);
  return [normaliseRegistry(host), ...rest];
}

function matching(entries: readonly CredentialEntry[], target: readonly string[]): CredentialEntry[] {
  return entries
    .filter((e) => e.path.length <= target.length && e.path.every((c, i) => c === target[i]))
    .sort((x, y) => y.path.length - x.path.length);
}

const hasCredentials = (a: RegistryAccess): boolean => Boolean((a.username && a.password) || a.token);

/**
 * Lookup: credentials from the longest security-file key that is a path prefix of
 * `registry/repository` and has credentials, then the docker config, else anonymous; `insecure` and
 * the CA from the longest security-file key that sets them.
 */
export function createCredentialStore(fileEntries: readonly CredentialEntry[], dockerEntries: readonly CredentialEntry[]): CredentialStore {
  const store: CredentialStore = {
    registries: [...new Set(fileEntries.map((e) => e.path[0]!))],
    lookup(registry, repository) {
      const target = [normaliseRegistry(registry), ...repository.split('/').filter(Boolean)];
      const own = matching(fileEntries, target);
      const insecure = own.find((e) => e.insecureSet)?.access.insecure ?? false;
      const ca = own.find((e) => e.access.ca)?.access.ca;
      const creds = own.find((e) => hasCredentials(e.access)) ?? matching(dockerEntries, target).find((e) => hasCredentials(e.access));
      const { username, password, token } = creds?.access ?? {};
      return {
        ...(username && password ? { username, password } : {}),
        ...(token ? { token } : {}),
        insecure,
        ...(ca ? { ca } : {}),
      };
    },
  };
  const secrets = [...fileEntries, ...dockerEntries].flatMap((e) => [e.access.password, e.access.token]).filter((s): s is string => Boolean(s));
  secretsByStore.set(store, [...new Set(secrets)]);
  return store;
}

/** Every password and token the store holds (security file and docker config), for log redaction. */
export function secretsOf(store: CredentialStore): string[] {
  return [...(secretsByStore.get(store) ?? [])];
}
