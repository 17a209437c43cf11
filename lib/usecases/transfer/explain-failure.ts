import { apiHost, RegistryError } from '../../registry/index.js';
import { hintFor, type FailureHint, type FailureKind } from '../../report/index.js';
import { hasCode, messageOf, systemCodeOf } from '../../util/errors.js';
import { redact } from '../../util/redact.js';

/** Node's TLS codes for a certificate signed by a CA this machine does not trust. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);
const MAX_CAUSES = 10;

/** The catalogue entry (lib/report/failures.ts) that explains `err`, a failure of `registry`; undefined when none fits. */
export function explainFailure(err: unknown, registry: string): FailureHint | undefined {
  const kind = kindOf(err, registry);
  return kind ? hintFor(kind, registry) : undefined;
}

/** explainFailure as the `hint` of a recorded error (TaskResult, PlanFailure), redacted; nothing when no entry fits. */
export function failureHint(err: unknown, registry: string): { hint?: FailureHint } {
  const hint = explainFailure(err, registry);
  return hint ? { hint: { kind: hint.kind, cause: redact(hint.cause), fix: redact(hint.fix) } } : {};
}

function kindOf(err: unknown, registry: string): FailureKind | undefined {
  if (hasCode(err, 'SOURCE_NOT_FOUND')) return 'NOT_FOUND_AT_SOURCE';
  if (hasCode(err, 'QUOTA_EXHAUSTED')) return 'RATE_LIMITED';
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < MAX_CAUSES; depth++, e = (e as { cause?: unknown }).cause) {
    const kind = e instanceof RegistryError ? registryKind(e, registry) : transportKind(e);
    if (kind) return kind;
  }
  return undefined;
}

function registryKind(e: RegistryError, registry: string): FailureKind | undefined {
  // a 401 from another host (a redirect, an upload Location) is not about this registry's credentials
  if (e.status === 401) return sameHost(e.url, registry) ? 'CREDENTIALS_REFUSED' : undefined;
  if (e.status === 403 || e.diagnostics.some((d) => d.code === 'DENIED')) return 'NOT_ALLOWED';
  if (e.status === 429 || e.diagnostics.some((d) => d.code === 'TOOMANYREQUESTS')) return 'RATE_LIMITED';
  if (e.status !== undefined && e.status >= 500) return 'REGISTRY_SERVER_ERROR';
  if (e.method === 'PUT' && /\/manifests\//.test(e.url) && e.status !== undefined && e.status >= 400) return 'MANIFEST_REFUSED';
  if (hasCode(e, 'REGISTRY_TIMEOUT')) return 'TIMED_OUT';
  return undefined;
}

function transportKind(e: unknown): FailureKind | undefined {
  const code = systemCodeOf(e) ?? '';
  if (code === 'ECONNREFUSED') return 'CONNECTION_REFUSED';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'DNS_FAILURE';
  if (UNTRUSTED.has(code)) return 'UNKNOWN_CA';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'HOSTNAME_MISMATCH';
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'CERTIFICATE_EXPIRED';
  if (code === 'EPROTO' && /wrong version number|packet length too long|record layer failure/i.test(messageOf(e))) return 'PLAIN_HTTP_REGISTRY';
  if (code === 'ETIMEDOUT' || hasCode(e, 'CONNECT_TIMEOUT', 'HEADERS_TIMEOUT', 'BODY_TIMEOUT', 'BODY_TOO_SLOW')) return 'TIMED_OUT';
  return undefined;
}

function sameHost(url: string, registry: string): boolean {
  try {
    const host = new URL(url).host;
    return host === registry || host === apiHost(registry);
  } catch {
    return false;
  }
}
