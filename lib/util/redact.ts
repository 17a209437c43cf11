/**
 * Process-wide secret registry. Credentials and tokens are registered where they are obtained;
 * everything written to logs, errors and reports passes through `redact`.
 */
const secrets = new Set<string>();
const MIN_SECRET_LENGTH = 4;

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) {
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
