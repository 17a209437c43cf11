import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { keyPath, longestMatch, type Candidate, type CredentialEntry, type CredentialLayer } from './credential-store.js';
import type { AskHelper } from './cred-helper.js';
import { ConfigError, type ConfigIssue } from '../rules/index.js';
import { MAX_AUTH_FILE_BYTES } from '../util/limits.js';
import { readLocalFile } from '../util/local-file.js';

/**
 * The parts of docker's `config.json` (and of containers-auth.json, its superset for podman and
 * skopeo) we read: `auths`, `credHelpers`, `credsStore`. Other fields are ignored.
 */
const DockerAuth = z.object({
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
});
const DockerConfig = z.object({
  auths: z.record(z.string(), z.unknown()).optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
  credsStore: z.string().optional(),
});

/** What an auth file says, keys split into normalised path components. */
export interface AuthConfig {
  readonly auths: readonly CredentialEntry[];
  readonly helpers: ReadonlyArray<{ readonly path: readonly string[]; readonly helper: string }>;
  readonly credsStore?: string;
}

const EMPTY: AuthConfig = { auths: [], helpers: [] };

export interface DockerConfigLocation {
  readonly env: Record<string, string | undefined>;
  /** Explicit path of config.json (tests; `/nonexistent` turns the fallback off). */
  readonly dockerConfigPath?: string;
  /** Home directory for `~/.docker/config.json`; default: the process's. */
  readonly homeDir?: string;
}

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(loc: DockerConfigLocation): string {
  if (loc.dockerConfigPath) return loc.dockerConfigPath;
  if (loc.env.DOCKER_CONFIG) return join(loc.env.DOCKER_CONFIG, 'config.json');
  return join(loc.homeDir ?? homedir(), '.docker', 'config.json');
}

/** Docker's config.json: a fallback, so a missing or malformed file, or an unusable entry, contributes nothing. */
export function readDockerConfig(path: string): AuthConfig {
  const read = readLocalFile(path, MAX_AUTH_FILE_BYTES);
  if ('problem' in read) return EMPTY;
  let json: unknown;
  try {
    json = JSON.parse(read.bytes.toString('utf8'));
  } catch {
    return EMPTY;
  }
  const parsed = DockerConfig.safeParse(json);
  return parsed.success ? toAuthConfig(parsed.data, () => {}) : EMPTY;
}

/** `auths` of a docker config (base64 `auth` = `user:pass`, or username/password). */
export function dockerConfigEntries(path: string): CredentialEntry[] {
  return [...readDockerConfig(path).auths];
}

/**
 * The file `REGISTRY_AUTH_FILE` names (containers-auth.json). Asked for explicitly, so every problem is
 * a ConfigError naming the variable and the key, never a value.
 */
export function readAuthFile(path: string): AuthConfig {
  const file = `${path} (REGISTRY_AUTH_FILE)`;
  const refuse = (message: string, key?: string): never => {
    throw new ConfigError([{ file, ...(key === undefined ? {} : { key }), message }]);
  };
  const read = readLocalFile(path, MAX_AUTH_FILE_BYTES);
  if ('problem' in read) refuse(read.code === 'ENOENT' ? 'file not found (unset REGISTRY_AUTH_FILE or log in to create it)' : read.problem);
  const text = (read as { bytes: Buffer }).bytes.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    refuse('not valid JSON (expected {"auths": {"registry[/namespace]": {"auth": "<base64 user:password>"}}})');
  }
  const parsed = DockerConfig.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    refuse(`${first?.message ?? 'invalid'} (expected "auths", "credHelpers" and "credsStore" as docker writes them)`, first?.path.map(String).join('.'));
  }
  const issues: ConfigIssue[] = [];
  const config = toAuthConfig(parsed.data!, (key, message) => issues.push({ file, key: `auths.${key}`, message }));
  if (issues.length) throw new ConfigError(issues);
  return config;
}

function toAuthConfig(data: z.infer<typeof DockerConfig>, problem: (key: string, message: string) => void): AuthConfig {
  const auths = Object.entries(data.auths ?? {}).flatMap(([key, raw]): CredentialEntry[] => {
    const auth = DockerAuth.safeParse(raw ?? {});
    if (!auth.success) {
      problem(key, 'expected {"auth": "<base64 user:password>"} or {"username", "password"}');
      return [];
    }
    const creds = credentialsOf(auth.data);
    if (!creds && auth.data.auth) problem(key, 'auth is not the base64 of "username:password"');
    return creds ? [{ path: keyPath(key), access: { ...creds, insecure: false }, insecureSet: false }] : [];
  });
  const helpers = Object.entries(data.credHelpers ?? {}).map(([key, helper]) => ({ path: keyPath(key), helper }));
  return { auths, helpers, ...(data.credsStore ? { credsStore: data.credsStore } : {}) };
}

function credentialsOf(a: z.infer<typeof DockerAuth>): { username: string; password: string } | undefined {
  if (a.auth) {
    const decoded = Buffer.from(a.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0 && colon < decoded.length - 1) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return a.username && a.password ? { username: a.username, password: a.password } : undefined;
}

/**
 * An auth file as a credential layer, in docker's order: the `credHelpers` helper of the longest
 * matching key, then `credsStore`, then the longest matching `auths` entry. A helper that has no
 * credentials for the registry passes on to the next.
 */
export function authConfigLayer(name: string, config: AuthConfig, askHelper: AskHelper): CredentialLayer {
  const helperCandidate = (helper: string, registry: string): Candidate => ({
    kind: 'helper',
    id: `helper:${helper}@${registry}`,
    source: `the credential helper docker-credential-${helper}`,
    ask: () => askHelper(helper, registry),
  });
  return {
    secrets: config.auths.map((e) => e.access.password).filter((p): p is string => Boolean(p)),
    candidates(target) {
      const registry = target[0]!;
      const out: Candidate[] = [];
      const helper = longestMatch(config.helpers, target);
      if (helper) out.push(helperCandidate(helper.helper, registry));
      if (config.credsStore) out.push(helperCandidate(config.credsStore, registry));
      const auth = longestMatch(config.auths, target);
      if (auth)
        out.push({
          kind: 'static',
          id: `${name}:${auth.path.join('/')}`,
          source: `the ${name} entry "${auth.path.join('/')}"`,
          credentials: { username: auth.access.username, password: auth.access.password },
        });
      return out;
    },
  };
}
