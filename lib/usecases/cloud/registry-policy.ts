import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { CodedError } from '../../util/errors.js';

export class PolicyError extends CodedError<'POLICY_REFUSED'> {
  constructor(message: string) {
    super('POLICY_REFUSED', message);
    this.name = 'PolicyError';
  }
}

/** Loopback, link-local (cloud metadata 169.254.0.0/16), unspecified and IPv6 local ranges. */
export function isInternalAddress(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number) as [number, number];
    return a === 127 || a === 0 || (a === 169 && b === 254);
  }
  const v6 = ip.toLowerCase();
  return v6 === '::1' || v6 === '::' || v6.startsWith('fe80:') || v6.startsWith('::ffff:127.') || v6.startsWith('::ffff:169.254.');
}

export type Resolver = (host: string) => Promise<string[]>;
const dnsResolver: Resolver = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/**
 * A run requested over HTTP may only reach registries that the stored security configuration names,
 * and never internal addresses (loopback, link-local / metadata) unless `allowInternal` lists them:
 * the planner must not become a way to make requests inside the cloud network (SSRF).
 */
export async function checkRegistryPolicy(
  rules: ReadonlyArray<{ readonly source: { readonly registry: string }; readonly target: { readonly registry: string } }>,
  allowedRegistries: readonly string[],
  allowInternal: readonly string[],
  resolve: Resolver = dnsResolver,
): Promise<void> {
  await checkRegistries(
    rules.flatMap((r) => [r.source.registry, r.target.registry]),
    allowedRegistries,
    allowInternal,
    resolve,
  );
}

/** The same policy for registry names that do not come from rules (CCR and TCR hosts). */
export async function checkRegistries(
  names: Iterable<string>,
  allowedRegistries: readonly string[],
  allowInternal: readonly string[],
  resolve: Resolver = dnsResolver,
): Promise<void> {
  const registries = new Set(names);
  const problems: string[] = [];
  for (const registry of registries) {
    if (!allowedRegistries.includes(registry)) {
      problems.push(`${registry} is not named in the security configuration`);
      continue;
    }
    const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (allowInternal.includes(host) || allowInternal.includes(registry)) continue;
    const addresses = isIP(host) ? [host] : await resolve(host).catch(() => []);
    const internal = addresses.filter(isInternalAddress);
    if (host === 'localhost' || internal.length) problems.push(`${registry} resolves to an internal address (${internal.join(', ') || host})`);
  }
  if (problems.length) throw new PolicyError(`refused: ${problems.join('; ')}`);
}
