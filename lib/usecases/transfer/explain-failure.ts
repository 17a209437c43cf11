import { apiHost, OVERRIDE_SOURCE, RegistryError } from '../../registry/index.js';
import { hintFor, type FailureHint, type FailureKind } from '../../report/index.js';
import { hasCode, messageOf, systemCodeOf } from '../../util/errors.js';
import { MAX_TAGS_IN_HINT } from '../../util/limits.js';
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

/**
 * What is known of the failing registry's credentials: where they came from, in words (lib/credentials'
 * `source`, RegistryPool.credentialSource), or `null` when there were none (anonymous); absent: unknown.
 */
export interface FailureContext {
  readonly credentialSource?: string | null;
}

/** The catalogue entry (lib/report/failures.ts) that explains `err`, a failure of `registry`; undefined when none fits. */
export function explainFailure(err: unknown, registry: string, context: FailureContext = {}): FailureHint | undefined {
  const kind = kindOf(err, registry, context);
  return kind ? hintFor(kind, registry, context.credentialSource ?? undefined) : undefined;
}

/** explainFailure as the `hint` of a recorded error (TaskResult, PlanFailure), redacted; nothing when no entry fits. */
export function failureHint(err: unknown, registry: string, context: FailureContext = {}): { hint?: FailureHint } {
  const hint = explainFailure(err, registry, context);
  return hint ? { hint: { kind: hint.kind, cause: redact(hint.cause), fix: redact(hint.fix) } } : {};
}

/**
 * A missing source tag's hint, with the tags the repository does have when there are at most
 * MAX_TAGS_IN_HINT of them (or that it has none); unchanged when the listing fails or finds more.
 */
export async function withExistingTags(
  listTags: ((registry: string, repository: string, signal?: AbortSignal) => Promise<string[]>) | undefined,
  source: { readonly registry: string; readonly repository: string; readonly reference: string },
  recorded: { hint?: FailureHint },
  signal?: AbortSignal,
): Promise<{ hint?: FailureHint }> {
  if (!listTags || recorded.hint?.kind !== 'NOT_FOUND_AT_SOURCE' || source.reference.includes(':')) return recorded;
  const tags = await listTags(source.registry, source.repository, signal).catch(() => undefined);
  if (!tags || tags.length > MAX_TAGS_IN_HINT) return recorded;
  const where = `${source.registry}/${source.repository}`;
  const found = tags.length ? `${where} has only the tag(s) ${tags.join(', ')}` : `${where} has no tags (or does not exist)`;
  return { hint: { ...recorded.hint, cause: redact(`${recorded.hint.cause}: ${found}`) } };
}

function kindOf(err: unknown, registry: string, context: FailureContext): FailureKind | undefined {
  if (hasCode(err, 'SOURCE_NOT_FOUND')) return 'NOT_FOUND_AT_SOURCE';
  if (hasCode(err, 'QUOTA_EXHAUSTED')) return 'RATE_LIMITED';
  if (hasCode(err, 'TCR_INSTANCE_NOT_FOUND')) return 'TCR_INSTANCE_NOT_IN_REGION';
  if (hasCode(err, 'TCR_TOKEN_FAILED')) return 'TCR_LOGIN_FAILED';
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < MAX_CAUSES; depth++, e = (e as { cause?: unknown }).cause) {
    const kind = e instanceof RegistryError ? registryKind(e, registry, context) : transportKind(e);
    if (kind) return kind;
  }
  return undefined;
}

function registryKind(e: RegistryError, registry: string, context: FailureContext): FailureKind | undefined {
  // a token that lacks the action asked for: distribution answers 401 with error="insufficient_scope"
  if (e.status === 401 && e.challengeError === 'insufficient_scope') return 'NOT_ALLOWED';
  // a 401 from another host (a redirect, an upload Location) is not about this registry's credentials
  if (e.status === 401) return e.tokenRealm || sameHost(e.url, registry) ? refused(context) : undefined;
  if (e.status === 403 || e.diagnostics.some((d) => d.code === 'DENIED')) return 'NOT_ALLOWED';
  if (e.status === 429 || e.diagnostics.some((d) => d.code === 'TOOMANYREQUESTS')) return 'RATE_LIMITED';
  if (e.status !== undefined && e.status >= 500) return 'REGISTRY_SERVER_ERROR';
  if (e.method === 'PUT' && /\/manifests\//.test(e.url) && e.status !== undefined && e.status >= 400) return 'MANIFEST_REFUSED';
  if (hasCode(e, 'REGISTRY_TIMEOUT')) return 'TIMED_OUT';
  return undefined;
}

function refused(context: FailureContext): FailureKind {
  if (context.credentialSource === null) return 'CREDENTIALS_MISSING';
  return context.credentialSource === OVERRIDE_SOURCE ? 'TCR_LOGIN_EXPIRED' : 'CREDENTIALS_REFUSED';
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
