import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { looksLikeRegistry, parseReference, InvalidReferenceError } from '../oci/index.js';
import { registerSecret } from '../util/redact.js';
import { createHelperRunner } from './cred-helper.js';
import { createCredentialStore, keyPath, type CredentialEntry, type CredentialLayer, type CredentialStore } from './credential-store.js';
import { authConfigLayer, dockerConfigPath, readAuthFile, readDockerConfig, type DockerConfigLocation } from './docker-config.js';
import { environmentLayer } from './env-credentials.js';
import { ConfigError, type ConfigIssue } from '../rules/index.js';
import type { LineOf } from '../rules/index.js';
import { loadConfigFile, type LoadedFile } from '../rules/index.js';
import { MAX_CA_FILE_BYTES } from '../util/limits.js';
import { readLocalFile } from '../util/local-file.js';

/** One entry of the security file: the original's `{username, password, insecure}` plus ours. */
const SecurityEntry = z.strictObject({
  username: z.string().optional(),
  password: z.string().optional(),
  token: z.string().optional(),
  insecure: z.boolean().optional(),
  caFile: z.string().min(1).optional(),
});
type SecurityEntry = z.infer<typeof SecurityEntry>;

const FIELDS = 'username, password, token, insecure or caFile';
/** `$${` is a literal `${`; `${NAME}` a variable; any other `${...}` (a shell default, `${A:-b}`) is refused. */
const ENV_REF = /\$\$\{|\$\{([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SecurityOptions extends DockerConfigLocation {
  /** How long a docker credential helper may take. @default 10 s */
  readonly helperTimeoutMs?: number;
}

interface Context {
  readonly file: string;
  readonly key: string;
  readonly lineOf: LineOf;
  readonly env: Record<string, string | undefined>;
  readonly issues: ConfigIssue[];
}

function issue(ctx: Context, field: string | undefined, message: string): void {
  const line = field === undefined ? ctx.lineOf(ctx.key) : ctx.lineOf(ctx.key, field);
  ctx.issues.push({ file: ctx.file, ...(line === undefined ? {} : { line }), key: field ? `${ctx.key}.${field}` : ctx.key, message });
}

/** `${NAME}` -> env value; a missing variable is an issue naming the variable, never a value. */
function expand(ctx: Context, field: 'username' | 'password' | 'token', value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.replace(ENV_REF, (_match, name: string | undefined) => {
    if (name === undefined) return '${';
    if (!ENV_NAME.test(name)) {
      const variable = name.match(/^[A-Za-z_][A-Za-z0-9_]*/)?.[0];
      issue(
        ctx,
        field,
        `only \${NAME} is expanded${variable ? ` (write \${${variable}}; defaults like \${${variable}:-...} are not supported)` : ''}; write $\${ for a literal \${`,
      );
      return '';
    }
    const v = ctx.env[name];
    if (v === undefined) issue(ctx, field, `environment variable ${name} is not set`);
    return v ?? '';
  });
}

function readCa(ctx: Context, caFile: string): string | undefined {
  const path = resolve(dirname(ctx.file), caFile);
  const read = readLocalFile(path, MAX_CA_FILE_BYTES);
  if ('problem' in read) {
    issue(ctx, 'caFile', `cannot read ${path}${read.code === 'ENOENT' ? '' : ` (${read.problem})`}`);
    return undefined;
  }
  const pem = read.bytes.toString('utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) issue(ctx, 'caFile', `${path} is not a PEM certificate`);
  return pem;
}

function checkKey(ctx: Context): boolean {
  const path = keyPath(ctx.key);
  const host = path[0] ?? '';
  const problem = !looksLikeRegistry(host)
    ? `"${host}" is not a registry host: write host[:port][/namespace] (a host has a dot or a port, or is localhost)`
    : referenceProblem(`${path.join('/')}/x`);
  if (problem !== undefined) issue(ctx, undefined, problem);
  return problem === undefined;
}

function referenceProblem(text: string): string | undefined {
  try {
    parseReference(text);
    return undefined;
  } catch (err) {
    if (err instanceof InvalidReferenceError) return `not a valid registry[/namespace]: ${err.reason}`;
    throw err;
  }
}

function toEntry(ctx: Context, entry: SecurityEntry): CredentialEntry {
  const username = expand(ctx, 'username', entry.username);
  const password = expand(ctx, 'password', entry.password);
  const token = expand(ctx, 'token', entry.token);
  const ca = entry.caFile === undefined ? undefined : readCa(ctx, entry.caFile);
  registerSecret(password);
  registerSecret(token);
  const access = {
    ...(username && password ? { username, password } : {}),
    ...(token ? { token } : {}),
    insecure: entry.insecure ?? false,
    ...(ca ? { ca } : {}),
  };
  return { path: keyPath(ctx.key), access, insecureSet: entry.insecure !== undefined };
}

function schemaIssues(ctx: Context, error: z.ZodError): void {
  for (const i of error.issues) {
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) issue(ctx, k, `unknown key (expected ${FIELDS})`);
    } else {
      issue(ctx, i.path.length ? i.path.map(String).join('.') : undefined, i.path.length ? i.message : `${i.message} (expected a map of ${FIELDS})`);
    }
  }
}

/** Pure apart from reading CA files: a parsed security file -> entries; every problem at once. */
export function parseSecurityEntries(loaded: LoadedFile, env: Record<string, string | undefined>): CredentialEntry[] {
  const { file, value, lineOf } = loaded;
  if (value === null || value === undefined) return [];
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError([{ file, message: `expected a map of "registry[/namespace]: {${FIELDS.replace(' or', ',')}}"` }]);
  }
  const issues: ConfigIssue[] = [];
  const entries: CredentialEntry[] = [];
  for (const [key, raw] of Object.entries(value)) {
    const ctx: Context = { file, key: key.slice(0, 200), lineOf, env, issues };
    if (!checkKey(ctx)) continue;
    const parsed = SecurityEntry.safeParse(raw ?? {});
    if (parsed.success) entries.push(toEntry(ctx, parsed.data));
    else schemaIssues(ctx, parsed.error);
  }
  if (issues.length) throw new ConfigError(issues);
  return entries;
}

/**
 * Loads the security file (optional: `undefined` means none) and the other credential sources.
 * See credentialStore for the order.
 */
export async function loadSecurityFile(path: string | undefined, opts: SecurityOptions): Promise<CredentialStore> {
  const loaded = path === undefined || path === '' ? undefined : await loadConfigFile(path);
  return credentialStore(loaded, opts);
}

/**
 * The store from an already loaded security file (or one kept in SSM or COS). Credentials come from,
 * in order: the security file, `IMAGE_TRANSFER_*` environment variables, the file `REGISTRY_AUTH_FILE`
 * names, docker's config.json (credHelpers, credsStore, auths), else anonymous. Problems in the security
 * file, the variables and REGISTRY_AUTH_FILE are reported together; helpers run only when first needed.
 */
export function credentialStore(loaded: LoadedFile | undefined, opts: SecurityOptions): CredentialStore {
  const issues: ConfigIssue[] = [];
  const collect = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.issues);
      return undefined;
    }
  };
  const fileEntries = loaded ? collect(() => parseSecurityEntries(loaded, opts.env)) : [];
  const env = collect(() => environmentLayer(opts.env));
  const authFilePath = opts.env.REGISTRY_AUTH_FILE;
  const authFile = authFilePath ? collect(() => readAuthFile(authFilePath)) : undefined;
  if (issues.length) throw new ConfigError(issues);
  const askHelper = createHelperRunner({ env: opts.env, ...(opts.helperTimeoutMs ? { timeoutMs: opts.helperTimeoutMs } : {}) });
  const layers: CredentialLayer[] = [
    env!,
    ...(authFile ? [authConfigLayer('REGISTRY_AUTH_FILE', authFile, askHelper)] : []),
    authConfigLayer('docker config', readDockerConfig(dockerConfigPath(opts)), askHelper),
  ];
  for (const layer of layers) for (const secret of layer.secrets) registerSecret(secret);
  return createCredentialStore(fileEntries!, layers);
}
