import { normaliseRegistry } from '../oci/index.js';

/** Username and password, or a ready registry bearer token; `{}` is anonymous. */
export interface AccessCredentials {
  readonly username?: string;
  readonly password?: string;
  readonly token?: string;
}

/** What a registry (or one repository in it) needs for access. */
export interface RegistryAccess extends AccessCredentials {
  /**
   * Set (instead of username, password and token) when a docker credential helper decides. The first
   * call runs the helper(s) and resolves to the credentials, `{}` for anonymous; later calls and
   * concurrent callers share that answer. Rejects with a CredentialHelperError. The same function
   * comes back for the same registry and keys, so it can key a client cache.
   */
  readonly deferred?: () => Promise<AccessCredentials>;
  /** Plain http, or TLS without verification. */
  readonly insecure: boolean;
  /** PEM contents of the CA that signed the registry's certificate. */
  readonly ca?: string;
}

export interface CredentialStore {
  lookup(registry: string, repository: string): RegistryAccess;
  /**
   * Where lookup's credentials come from, in words for a failure hint (`the security file key "reg.io/team"`,
   * `the IMAGE_TRANSFER_*_REG_IO variables`, a docker config entry, a credential helper); never a secret.
   * Undefined when nothing offers credentials (anonymous).
   */
  sourceOf(registry: string, repository: string): string | undefined;
  /** Registry hosts the security file names (not the other credential sources), normalised. */
  readonly registries: readonly string[];
}

/** One credential key, split into normalised path components: `index.docker.io/ns` -> `docker.io`, `ns`. */
export interface CredentialEntry {
  readonly path: readonly string[];
  readonly access: RegistryAccess;
  /** Whether the entry itself says `insecure` (otherwise it inherits it from a shorter key). */
  readonly insecureSet: boolean;
}

/** One way to credentials for an image: known now, or asked from a credential helper when first needed. */
export type Candidate =
  | { readonly kind: 'static'; readonly id: string; readonly source: string; readonly credentials: AccessCredentials }
  | { readonly kind: 'helper'; readonly id: string; readonly source: string; ask(): Promise<AccessCredentials | undefined> };

/** A source of credentials after the security file (environment, REGISTRY_AUTH_FILE, docker config). */
export interface CredentialLayer {
  /** What the source offers for `[registry, ...repository components]`, best first. */
  candidates(target: readonly string[]): Candidate[];
  /** Passwords and tokens it holds (known now), for log redaction. */
  readonly secrets: readonly string[];
}

const secretsByStore = new WeakMap<CredentialStore, readonly string[]>();

/** `host[:port][/ns…]`, also `https://host/v1/` as docker config writes it, -> path components. */
export function keyPath(key: string): string[] {
  const trimmed = key
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/v[12]\/?$/, '');
  const [host = '', ...rest] = trimmed.split('/').filter(Boolean);
  return [normaliseRegistry(host), ...rest];
}

/** Entries whose path is a component-wise prefix of `target`, longest first. */
function matching<T extends { readonly path: readonly string[] }>(entries: readonly T[], target: readonly string[]): T[] {
  return entries.filter((e) => e.path.length <= target.length && e.path.every((c, i) => c === target[i])).sort((x, y) => y.path.length - x.path.length);
}

/** The entry with the longest key that is a path prefix of `target`. */
export function longestMatch<T extends { readonly path: readonly string[] }>(entries: readonly T[], target: readonly string[]): T | undefined {
  return matching(entries, target)[0];
}

export const hasCredentials = (a: AccessCredentials): boolean => Boolean((a.username && a.password) || a.token);

const own = (a: AccessCredentials): AccessCredentials => ({
  ...(a.username && a.password ? { username: a.username, password: a.password } : {}),
  ...(a.token ? { token: a.token } : {}),
});

/**
 * Lookup of `registry/repository`: the security file first, then each layer in order; within a source
 * the longest key that is a path prefix wins. The first source with credentials for the image decides;
 * a credential helper that has none passes on to the next candidate; nothing is anonymous. `insecure`
 * and the CA come from the longest security-file key that sets them.
 */
export function createCredentialStore(fileEntries: readonly CredentialEntry[], layers: readonly CredentialLayer[] = []): CredentialStore {
  const deferred = new Map<string, () => Promise<AccessCredentials>>();
  const chainOf = (target: readonly string[]): Candidate[] => {
    const file = matching(fileEntries, target).find((e) => hasCredentials(e.access));
    if (file) return [{ kind: 'static', id: 'file', source: `the security file key "${file.path.join('/')}"`, credentials: own(file.access) }];
    const chain: Candidate[] = [];
    for (const layer of layers) {
      for (const c of layer.candidates(target)) {
        if (c.kind === 'static' && !hasCredentials(c.credentials)) continue;
        chain.push(c);
        if (c.kind === 'static') return chain;
      }
    }
    return chain;
  };
  const credentialsOf = (chain: Candidate[]): Pick<RegistryAccess, 'username' | 'password' | 'token' | 'deferred'> => {
    const first = chain[0];
    if (!first) return {};
    if (first.kind === 'static') return own(first.credentials);
    const key = chain.map((c) => c.id).join('\n');
    let fn = deferred.get(key);
    if (!fn) {
      let answer: Promise<AccessCredentials> | undefined;
      fn = () => (answer ??= firstAnswer(chain));
      deferred.set(key, fn);
    }
    return { deferred: fn };
  };
  const store: CredentialStore = {
    registries: [...new Set(fileEntries.map((e) => e.path[0]!))],
    lookup(registry, repository) {
      const target = [normaliseRegistry(registry), ...repository.split('/').filter(Boolean)];
      const mine = matching(fileEntries, target);
      const insecure = mine.find((e) => e.insecureSet)?.access.insecure ?? false;
      const ca = mine.find((e) => e.access.ca)?.access.ca;
      return { ...credentialsOf(chainOf(target)), insecure, ...(ca ? { ca } : {}) };
    },
    sourceOf(registry, repository) {
      const target = [normaliseRegistry(registry), ...repository.split('/').filter(Boolean)];
      return (
        chainOf(target)
          .map((c) => c.source)
          .join(' or ') || undefined
      );
    },
  };
  const fileSecrets = fileEntries.flatMap((e) => [e.access.password, e.access.token]).filter((s): s is string => Boolean(s));
  secretsByStore.set(store, [...new Set([...fileSecrets, ...layers.flatMap((l) => l.secrets)])]);
  return store;
}

async function firstAnswer(chain: readonly Candidate[]): Promise<AccessCredentials> {
  for (const c of chain) {
    const credentials = c.kind === 'static' ? c.credentials : await c.ask();
    if (credentials && hasCredentials(credentials)) return own(credentials);
  }
  return {};
}

/**
 * Every password and token the store holds now (security file, environment, auth files), for log
 * redaction; credential helpers' secrets are registered with lib/util/redact when they are read.
 */
export function secretsOf(store: CredentialStore): string[] {
  return [...(secretsByStore.get(store) ?? [])];
}
