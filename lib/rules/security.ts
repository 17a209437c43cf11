import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { normaliseRegistry } from '../oci/index.js';
import { registerSecret } from '../util/redact.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { loadConfigFile, type LoadedFile } from './load-file.js';

/** One entry of the security file (the original's `{username, password, insecure}` plus ours). */
const SecurityEntry = z.strictObject({
  username: z.string().optional(),
  password: z.string().optional(),
  /** A ready registry bearer token instead of username/password. */
  token: z.string().optional(),
  /** Plain http, or TLS without verification. */
  insecure: z.boolean().optional(),
  /** PEM file of the CA that signed the registry's certificate, relative to the security file. */
  caFile: z.string().optional(),
});
type SecurityEntry = z.infer<typeof SecurityEntry>;

/** What a registry (or registry/namespace) needs for access. */
export interface RegistryAccess {
  readonly username?: string;
  readonly password?: string;
  readonly token?: string;
  readonly insecure: boolean;
  readonly ca?: string;
}

export interface CredentialStore {
  lookup(registry: string, repository: string): RegistryAccess;
  /** Registry hosts the security file names (not the docker config fallback). */
  readonly registries: readonly string[];
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

interface Entry {
  readonly path: string[];
  readonly access: RegistryAccess;
  /** Whether the entry itself says `insecure` (otherwise it inherits from a shorter key). */
  readonly insecureSet?: boolean;
}

/** `host[:port][/ns…]` -> normalised path components (`index.docker.io/x` -> `docker.io`, `x`). */
function keyPath(key: string): string[] {
  const [host = '', ...rest] = key.replace(/^https?:\/\//, '').replace(/\/v[12]\/?$/, '').split('/').filter(Boolean);
  return [normaliseRegistry(host), ...rest];
}

function expand(value: string | undefined, field: string, key: string, file: string, env: Record<string, string | undefined>, issues: ConfigIssue[]): string | undefined {
  if (value === undefined) return undefined;
  return value.replace(ENV_REF, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) issues.push({ file, key: `${key}.${field}`, message: `environment variable ${name} is not set` });
    return v ?? '';
  });
}

function toAccess(entry: SecurityEntry, key: string, file: string, env: Record<string, string | undefined>, issues: ConfigIssue[], line?: number): RegistryAccess {
  const username = expand(entry.username, 'username', key, file, env, issues);
  const password = expand(entry.password, 'password', key, file, env, issues);
  const token = expand(entry.token, 'token', key, file, env, issues);
  let ca: string | undefined;
  if (entry.caFile) {
    const path = resolve(dirname(file), entry.caFile);
    try {
      ca = readFileSync(path, 'utf8');
      if (!ca.includes('-----BEGIN CERTIFICATE-----')) issues.push({ file, line, key: `${key}.caFile`, message: `${path} is not a PEM certificate` });
    } catch {
      issues.push({ file, line, key: `${key}.caFile`, message: `cannot read ${path}` });
    }
  }
  for (const s of [password, token]) registerSecret(s);
  const withCreds = username && password ? { username, password } : {};
  return { ...withCreds, ...(token ? { token } : {}), insecure: entry.insecure ?? false, ...(ca ? { ca } : {}) };
}

function parseEntries(value: unknown, file: string, lineOf: (k: string) => number | undefined, env: Record<string, string | undefined>): Entry[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError([{ file, message: 'expected a map of "registry[/namespace]: {username, password, insecure, caFile}"' }]);
  }
  const issues: ConfigIssue[] = [];
  const entries: Entry[] = [];
  for (const [key, raw] of Object.entries(value)) {
    const line = lineOf(key);
    const parsed = SecurityEntry.safeParse(raw ?? {});
    if (!parsed.success) {
      for (const i of parsed.error.issues) issues.push({ file, line, key: [key, ...i.path.map(String)].join('.'), message: i.message });
      continue;
    }
    entries.push({ path: keyPath(key), access: toAccess(parsed.data, key, file, env, issues, line), insecureSet: parsed.data.insecure !== undefined });
  }
  if (issues.length) throw new ConfigError(issues);
  return entries;
}

/** docker `config.json` `auths` (base64 `auth` or username/password); missing or unreadable -> none. */
export function dockerConfigEntries(path: string): Entry[] {
  let json: { auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }> };
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
  return Object.entries(json.auths ?? {}).flatMap(([key, a]) => {
    const [u, ...p] = a.auth ? Buffer.from(a.auth, 'base64').toString('utf8').split(':') : [a.username, a.password ?? ''];
    const username = u ?? a.username;
    const password = a.auth ? p.join(':') : a.password;
    if (!username || !password) return [];
    registerSecret(password);
    return [{ path: keyPath(key), access: { username, password, insecure: false } }];
  });
}

/**
 * Loads the security file (optional) and the docker config fallback. Lookup: the longest key that
 * is a path prefix of `registry/repository` and has credentials wins (`reg.io/ns/sub` > `reg.io/ns` >
 * `reg.io`), then docker config.json, else anonymous; `insecure` and `caFile` come from the longest
 * key that sets them. Docker Hub's aliases (docker.io, index.docker.io, registry.hub.docker.com) are one key.
 */
export async function loadSecurityFile(
  path: string | undefined,
  opts: { env: Record<string, string | undefined>; dockerConfigPath?: string },
): Promise<CredentialStore> {
  const loaded = path ? await loadConfigFile(path) : undefined;
  return credentialStore(loaded, opts);
}

/** The same store from an already loaded file (a security file kept in SSM or COS). */
export function credentialStore(loaded: LoadedFile | undefined, opts: { env: Record<string, string | undefined>; dockerConfigPath?: string }): CredentialStore {
  const fileEntries = loaded ? parseEntries(loaded.value, loaded.file, loaded.lineOf, opts.env) : [];
  const dockerPath = opts.dockerConfigPath ?? join(opts.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
  const docker = dockerConfigEntries(dockerPath);
  const matching = (entries: Entry[], target: string[]): Entry[] =>
    entries
      .filter((e) => e.path.length <= target.length && e.path.every((c, i) => c === target[i]))
      .sort((x, y) => y.path.length - x.path.length);
  return {
    registries: [...new Set(fileEntries.map((e) => e.path[0]!))],
    lookup(registry, repository) {
      const target = [normaliseRegistry(registry), ...repository.split('/')];
      const own = matching(fileEntries, target);
      // TLS settings cascade from the host entry into namespace entries that do not set them
      const insecure = own.find((e) => e.insecureSet)?.access.insecure ?? false;
      const ca = own.find((e) => e.access.ca)?.access.ca;
      const tls = { insecure, ...(ca ? { ca } : {}) };
      const creds = own.find((e) => e.access.username || e.access.token) ?? matching(docker, target)[0];
      const { username, password, token } = creds?.access ?? {};
      return { ...(username ? { username, password } : {}), ...(token ? { token } : {}), ...tls };
    },
  };
}
