/**
 * The failures users actually hit, each with a stable kind, a one-line cause and a one-line fix: the one
 * source of truth for the hint in log lines, the FAILED list, report.json (`error.hint`), report.md,
 * report.html and docs/failures.md. `{registry}` stands for the registry that failed, `{source}` for where
 * its credentials came from (never the secret).
 */
export const FAILURES = {
  CREDENTIALS_REFUSED: {
    cause: 'the registry {registry} refused the credentials from {source} (401 after authenticating)',
    fix: 'correct the username and password or token in {source}',
  },
  CREDENTIALS_MISSING: {
    cause: '{registry} requires credentials and none were found for it (401 to an anonymous request)',
    fix: 'give {registry} a `username` and `password` in the security file, IMAGE_TRANSFER_USERNAME_*/IMAGE_TRANSFER_PASSWORD_* variables, or run `docker login {registry}`',
  },
  TCR_LOGIN_EXPIRED: {
    cause: 'the TCR instance {registry} refused {source}: it expired or was revoked',
    fix: 're-run (every run asks for a new login); check that the cloud credentials may call tcr:CreateInstanceToken',
  },
  TCR_LOGIN_FAILED: {
    cause: 'no registry login could be created for the TCR instance {registry} (CreateInstanceToken failed)',
    fix: 'allow tcr:CreateInstanceToken for these cloud credentials and check that the instance is running',
  },
  TCR_INSTANCE_NOT_IN_REGION: {
    cause: 'the TCR instance {registry} does not exist in the region asked for',
    fix: 'check --tcrName and --tcrRegion (the message names the region where an instance of that name is)',
  },
  NOT_ALLOWED: {
    cause: 'the credentials for {registry} were accepted but do not allow this (403, DENIED or insufficient_scope)',
    fix: 'grant this account pull on the source or push on the destination repository; on TCR, create the namespace first',
  },
  PLAIN_HTTP_REGISTRY: {
    cause: '{registry} answers plain http, not TLS',
    fix: 'set `insecure: true` for {registry} in the security file',
  },
  UNKNOWN_CA: {
    cause: 'the certificate of {registry} is signed by a CA this machine does not trust',
    fix: 'set `caFile:` to the PEM of that CA for {registry} in the security file',
  },
  HOSTNAME_MISMATCH: {
    cause: 'the certificate of {registry} is for another host name',
    fix: 'name the registry as its certificate does, or give {registry} a certificate for this name (a `caFile:` adds trust; it cannot change a name)',
  },
  CERTIFICATE_EXPIRED: {
    cause: 'the certificate of {registry} has expired (or is not valid yet)',
    fix: "renew the registry's certificate (a `caFile:` cannot make an expired one valid), or check this machine's clock",
  },
  DNS_FAILURE: {
    cause: 'the name of {registry} does not resolve',
    fix: "check the spelling of the registry in the rule or security file, and this machine's DNS",
  },
  CONNECTION_REFUSED: {
    cause: '{registry} refused the connection: nothing listens there',
    fix: 'check the port and that the registry is running and reachable from here',
  },
  TIMED_OUT: {
    cause: '{registry} did not answer in time',
    fix: 'check the network path to {registry} (proxy, firewall); re-run failed.yaml once it answers',
  },
  NOT_FOUND_AT_SOURCE: {
    cause: 'the repository, tag or digest does not exist at the source {registry}',
    fix: 'check the name and tag in the rule file (a tag list names each tag)',
  },
  RATE_LIMITED: {
    cause: '{registry} is rate-limiting this client (429, or its pull quota is spent)',
    fix: 'use credentials for {registry} (Docker Hub gives authenticated accounts a larger quota), lower --routines, or use --pull-reserve',
  },
  MANIFEST_REFUSED: {
    cause: 'the destination {registry} refused the manifest (its type or content)',
    fix: 'check that the destination accepts this manifest type (OCI index, Docker schema 2); schema 1 images cannot be copied exactly',
  },
  REGISTRY_SERVER_ERROR: {
    cause: '{registry} failed on its side (5xx, after its retries), e.g. its storage is full or unavailable',
    fix: "check the registry's logs and storage; re-run failed.yaml when it is healthy",
  },
} as const satisfies Record<string, { readonly cause: string; readonly fix: string }>;

export type FailureKind = keyof typeof FAILURES;

export interface FailureHint {
  readonly kind: FailureKind;
  readonly cause: string;
  readonly fix: string;
}

/** `{source}` when it is not known where the credentials came from. */
export const ANY_CREDENTIAL_SOURCE = 'the security file, the IMAGE_TRANSFER_* variables or the docker config';

/** The hint of `kind` for `registry`; `source` says where its credentials came from (ANY_CREDENTIAL_SOURCE when unknown). */
export function hintFor(kind: FailureKind, registry: string, source = ANY_CREDENTIAL_SOURCE): FailureHint {
  const fill = (text: string): string => text.replaceAll('{registry}', registry).replaceAll('{source}', source);
  return { kind, cause: fill(FAILURES[kind].cause), fix: fill(FAILURES[kind].fix) };
}

/** The hint as every output words it: `<cause>; fix: <fix>` (each output escapes it its own way). */
export function hintText(hint: { readonly cause: string; readonly fix: string }): string {
  return `${hint.cause}; fix: ${hint.fix}`;
}

/** docs/failures.md's table, generated from the catalogue (a test keeps the page equal to it). */
export function failuresTable(): string {
  const cell = (text: string): string => text.replaceAll('{registry}', '&lt;registry&gt;').replaceAll('{source}', '&lt;source&gt;');
  const rows = Object.entries(FAILURES).map(([kind, f]) => `| \`${kind}\` | ${cell(f.cause)} | ${cell(f.fix)} |`);
  return ['| kind | cause | fix |', '|---|---|---|', ...rows].join('\n');
}
