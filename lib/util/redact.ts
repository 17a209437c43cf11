/**
 * Process-wide secret registry. Credentials and tokens are registered where they are obtained;
 * everything written to logs, errors and reports passes through `redact`.
 */
const secrets = new Set<string>();
/** Longest first, so a secret is redacted whole before any shorter secret inside it; rebuilt when the set grows. */
let ordered: string[] = [];
const MIN_SECRET_LENGTH = 4;

/** Registers `value` and the forms it travels in: URL-encoded (query strings) and JSON-escaped (bodies). */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  const before = secrets.size;
  for (const form of [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]) secrets.add(form);
  if (secrets.size !== before) ordered = [...secrets].sort((a, b) => b.length - a.length);
}

/**
 * Registers a credential set in every form it is sent in: the password, the token, `user:password`
 * and its Basic form (base64 with and without padding, base64url), each also URL-encoded and JSON-escaped.
 */
export function registerCredentials(credentials: { readonly username?: string; readonly password?: string; readonly token?: string }): void {
  const { username, password, token } = credentials;
  registerSecret(password);
  registerSecret(token);
  if (username === undefined || password === undefined || password === '') return;
  const pair = Buffer.from(`${username}:${password}`);
  registerSecret(pair.toString());
  registerSecret(pair.toString('base64'));
  registerSecret(pair.toString('base64').replace(/=+$/, ''));
  registerSecret(pair.toString('base64url'));
}

export function redact(text: string): string {
  let out = text;
  for (const secret of ordered) {
    if (out.includes(secret)) out = out.split(secret).join('***');
  }
  return out;
}

/** Drops user info and query values from a URL (upload `_state` tokens, signed storage URLs). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    for (const key of [...parsed.searchParams.keys()]) {
      if (key !== 'digest' && key !== 'mount' && key !== 'from' && key !== 'n' && key !== 'last') {
        parsed.searchParams.set(key, '***');
      }
    }
    return redact(parsed.toString());
  } catch {
    return redact(url.replace(/\?.*$/, '?***'));
  }
}
