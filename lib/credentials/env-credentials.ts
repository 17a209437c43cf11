import { registerSecret } from '../util/redact.js';
import type { AccessCredentials, Candidate, CredentialLayer } from './credential-store.js';
import { ConfigError, type ConfigIssue } from '../rules/index.js';

/**
 * Credentials in environment variables, one registry or repository path per variable name:
 *
 *   IMAGE_TRANSFER_AUTH_<KEY>=<username>:<password>    (split at the first ':')
 *   IMAGE_TRANSFER_USERNAME_<KEY> + IMAGE_TRANSFER_PASSWORD_<KEY>
 *   IMAGE_TRANSFER_TOKEN_<KEY>=<registry bearer token>
 *
 * KEY is `host[:port][/namespace…]` upper-cased with every character other than A-Z and 0-9 written
 * as `_` (`reg.io:5000/team` -> `REG_IO_5000_TEAM`; Docker Hub is `DOCKER_IO`).
 */
const PREFIX = 'IMAGE_TRANSFER_';
const KINDS = ['AUTH', 'USERNAME', 'PASSWORD', 'TOKEN'] as const;
type Kind = (typeof KINDS)[number];
const NAME = new RegExp(`^${PREFIX}(${KINDS.join('|')})_(.*)$`);
const KEY = /^[A-Z0-9][A-Z0-9_]*$/;

/** Where messages say the problem is: the variables are not a file. */
export const ENVIRONMENT = 'environment';

/** `['reg.io:5000', 'team']` -> `REG_IO_5000_TEAM`. */
export function envKey(path: readonly string[]): string {
  return path
    .join('/')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '_');
}

/** The variables, validated all at once: a ConfigError names each bad variable, never its value. */
export function environmentLayer(env: Record<string, string | undefined>): CredentialLayer {
  const byKey = new Map<string, Partial<Record<Kind, { name: string; value: string }>>>();
  const issues: ConfigIssue[] = [];
  const problem = (name: string, message: string): void => void issues.push({ file: ENVIRONMENT, key: name, message });
  for (const [name, value] of Object.entries(env)) {
    const m = NAME.exec(name);
    if (!m || value === undefined) continue;
    const [, kind, key] = m as unknown as [string, Kind, string];
    if (!KEY.test(key))
      problem(
        name,
        `"${key}" is not a registry key: write host[:port][/namespace] upper-cased, with "_" for every other character (e.g. ${PREFIX}${kind}_REG_IO_5000_TEAM)`,
      );
    else if (value === '') problem(name, 'is empty');
    else byKey.set(key, { ...byKey.get(key), [kind]: { name, value } });
  }
  const credentials = new Map<string, AccessCredentials>();
  for (const [key, vars] of byKey) {
    const creds = credentialsOf(vars, problem);
    if (creds) credentials.set(key, creds);
  }
  if (issues.length) throw new ConfigError(issues);
  const secrets = [...credentials.values()].flatMap((c) => [c.password, c.token]).filter((s): s is string => Boolean(s));
  for (const s of secrets) registerSecret(s);
  return {
    secrets,
    candidates(target) {
      for (let n = target.length; n >= 1; n -= 1) {
        const key = envKey(target.slice(0, n));
        const found = credentials.get(key);
        if (found) return [{ kind: 'static', id: `env:${key}`, source: `the ${PREFIX}*_${key} variables`, credentials: found } satisfies Candidate];
      }
      return [];
    },
  };
}

function credentialsOf(
  vars: Partial<Record<Kind, { name: string; value: string }>>,
  problem: (name: string, message: string) => void,
): AccessCredentials | undefined {
  const { AUTH: auth, USERNAME: user, PASSWORD: pass, TOKEN: token } = vars;
  const forms = [auth, user ?? pass, token].filter(Boolean).length;
  const names = [auth, user, pass, token].flatMap((v) => (v ? [v.name] : []));
  if (forms > 1) return void problem(names[0]!, `conflicts with ${names.slice(1).join(', ')}: set one of _AUTH_, _USERNAME_ + _PASSWORD_ or _TOKEN_ per key`);
  if (auth) {
    const colon = auth.value.indexOf(':');
    if (colon <= 0 || colon === auth.value.length - 1) return void problem(auth.name, 'expected <username>:<password> (the value is not shown)');
    return { username: auth.value.slice(0, colon), password: auth.value.slice(colon + 1) };
  }
  if (token) return { token: token.value };
  if (!user) return void problem(pass!.name, `has no ${pass!.name.replace('_PASSWORD_', '_USERNAME_')}`);
  if (!pass) return void problem(user.name, `has no ${user.name.replace('_USERNAME_', '_PASSWORD_')}`);
  return { username: user.value, password: pass.value };
}
