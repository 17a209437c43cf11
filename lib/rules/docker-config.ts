import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { keyPath, type CredentialEntry } from './credential-store.js';

/** The part of docker's `config.json` we read; other fields (credsStore, credHelpers, …) are ignored. */
const DockerAuth = z.object({
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
});
const DockerConfig = z.object({ auths: z.record(z.string(), z.unknown()).optional() });

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

/**
 * `auths` of a docker config (base64 `auth` = `user:pass`, or username/password). A missing or
 * unreadable file, or an entry we cannot use, contributes nothing: it is only a fallback.
 */
export function dockerConfigEntries(path: string): CredentialEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
  const parsed = DockerConfig.safeParse(json);
  if (!parsed.success) return [];
  return Object.entries(parsed.data.auths ?? {}).flatMap(([key, raw]) => {
    const auth = DockerAuth.safeParse(raw);
    if (!auth.success) return [];
    const creds = credentialsOf(auth.data);
    return creds ? [{ path: keyPath(key), access: { ...creds, insecure: false }, insecureSet: false }] : [];
  });
}

function credentialsOf(a: z.infer<typeof DockerAuth>): { username: string; password: string } | undefined {
  if (a.auth) {
    const decoded = Buffer.from(a.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0 && colon < decoded.length - 1) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return a.username && a.password ? { username: a.username, password: a.password } : undefined;
}
