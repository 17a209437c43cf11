import { z } from 'zod';
import { ConfigError, loadConfigFile, type ConfigIssue, type LoadedFile } from '../rules/index.js';
import { registerSecret } from '../util/redact.js';
import { scfRoleCredential, staticCredential, type CloudCredential, type CredentialProvider } from './cloud-credential.js';

export { scfRoleCredential, staticCredential, type CloudCredential, type CredentialProvider };

const ApiKeys = z.strictObject({
  secretId: z.string(),
  secretKey: z.string(),
  /** Session token of temporary (STS or role) keys; an extension of the original format. */
  token: z.string().optional(),
});

/** The original `--secretFile`: `ccr: {secretId, secretKey}` and/or `tcr: {...}`. */
const SecretFile = z.strictObject({ ccr: ApiKeys.optional(), tcr: ApiKeys.optional() });

/** API keys per side: CCR calls use `ccr`, TCR calls use `tcr`. */
export interface ApiKeysBySide<C = CloudCredential> {
  readonly ccr: C;
  readonly tcr: C;
}

export async function loadSecretFile(file: string): Promise<ApiKeysBySide> {
  return parseSecretFile(await loadConfigFile(file));
}

/**
 * Validates a secret file. Each side falls back to the other by key presence (an empty value still
 * counts as present), as the original does. Messages name the file and field, never a value.
 */
export function parseSecretFile(loaded: LoadedFile): ApiKeysBySide {
  const parsed = SecretFile.safeParse(loaded.value ?? {});
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => issueOf(loaded, issue)));
  const ccr = parsed.data.ccr ?? parsed.data.tcr;
  const tcr = parsed.data.tcr ?? parsed.data.ccr;
  if (!ccr || !tcr) {
    throw new ConfigError([
      { file: loaded.file, message: 'no matched secret provided in secret file: expected a `ccr` or `tcr` section with secretId and secretKey' },
    ]);
  }
  for (const keys of [ccr, tcr]) {
    registerSecret(keys.secretKey);
    registerSecret(keys.token);
  }
  return { ccr: withoutEmptyToken(ccr), tcr: withoutEmptyToken(tcr) };
}

function withoutEmptyToken(keys: z.infer<typeof ApiKeys>): CloudCredential {
  return { secretId: keys.secretId, secretKey: keys.secretKey, ...(keys.token ? { token: keys.token } : {}) };
}

function issueOf(loaded: LoadedFile, issue: z.core.$ZodIssue): ConfigIssue {
  const path = issue.path.map(String);
  const section = path[0];
  const line = section === undefined ? undefined : loaded.lineOf(section);
  const where = { file: loaded.file, ...(line === undefined ? {} : { line }) };
  if (issue.code === 'unrecognized_keys') {
    const allowed = path.length === 0 ? 'ccr, tcr' : 'secretId, secretKey, token';
    const keys = issue.keys.map((k) => (path.length ? `${path.join('.')}.${k}` : k));
    return { ...where, key: keys.join(', '), message: `unknown field (expected ${allowed})` };
  }
  if (issue.code === 'invalid_type') {
    const missing = valueAt(loaded.value, issue.path) === undefined;
    const expected = issue.expected === 'object' ? 'a mapping' : `a ${issue.expected}`;
    return { ...where, key: path.join('.') || '(top level)', message: missing ? 'is required' : `expected ${expected}` };
  }
  return { ...where, key: path.join('.') || '(top level)', message: 'invalid value' };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

export interface ApiCredentialSource {
  /** `--secretFile`; without it, the SCF execution role's keys from the environment. */
  readonly secretFile?: string;
  readonly env?: Record<string, string | undefined>;
}

/**
 * Credentials for the CCR->TCR mode: the secret file when given, else (inside SCF) the execution
 * role, read from the environment at every call because role keys rotate.
 */
export async function resolveApiCredentials(source: ApiCredentialSource): Promise<ApiKeysBySide<CloudCredential | CredentialProvider>> {
  if (source.secretFile) return loadSecretFile(source.secretFile);
  const env = source.env ?? process.env;
  if (!env.TENCENTCLOUD_SECRETID && !env.TENCENTCLOUD_SECRET_ID) {
    throw new ConfigError([{ file: '--secretFile', message: 'is required for --ccrToTcr (no execution-role keys in TENCENTCLOUD_SECRETID either)' }]);
  }
  const role = scfRoleCredential(env);
  return { ccr: role, tcr: role };
}
