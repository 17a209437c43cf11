import { spawn } from 'node:child_process';
import { z } from 'zod';
import { DOCKER_HUB } from '../oci/index.js';
import { registerSecret } from '../util/redact.js';
import { CodedError } from '../util/errors.js';

/**
 * A docker credential helper could not answer: not installed, timed out, failed, or answered
 * something else than the helper protocol. The message names the helper and the registry; it never
 * carries the helper's stdout or stderr, which may hold secrets.
 */
export class CredentialHelperError extends CodedError<'CREDENTIAL_HELPER'> {
  constructor(
    readonly helper: string,
    readonly registry: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('CREDENTIAL_HELPER', `credential helper docker-credential-${helper} (for ${registry}): ${reason}`, options);
    this.name = 'CredentialHelperError';
  }
}

export interface HelperCredentials {
  readonly username: string;
  readonly password: string;
}

/** Credentials of `registry` from helper `name`; `undefined` when the helper has none. */
export type AskHelper = (name: string, registry: string) => Promise<HelperCredentials | undefined>;

export interface HelperOptions {
  /** The helper's environment; `PATH` in it finds `docker-credential-<name>`. */
  readonly env: Record<string, string | undefined>;
  /** @default 10 s: a helper waiting for a keychain prompt must not stall the run. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** A helper's answer is one small JSON object. */
const MAX_OUTPUT = 64 * 1024;
/** Names docker helpers have (`desktop`, `ecr-login`, `osxkeychain`); no path can sneak in. */
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Docker's `credentials.errCredentialsNotFoundMessage`, printed on stdout with exit status 1. */
const NOT_FOUND = /credentials not found/i;
/** The username docker helpers give with an identity (OAuth2 refresh) token as the secret. */
const IDENTITY_TOKEN_USER = '<token>';

const Answer = z.object({ ServerURL: z.string().optional(), Username: z.string(), Secret: z.string() });

/**
 * `AskHelper` that runs `docker-credential-<name> get` at most once per helper and registry: the
 * answer (or failure) is cached, and concurrent callers share the one run. Secrets are registered for
 * redaction as soon as they are read.
 */
export function createHelperRunner(options: HelperOptions): AskHelper {
  const runs = new Map<string, Promise<HelperCredentials | undefined>>();
  return (name, registry) => {
    const key = `${name}\0${registry}`;
    let run = runs.get(key);
    if (!run) {
      run = ask(name, registry, options);
      runs.set(key, run);
    }
    return run;
  };
}

/** The server URLs docker stores credentials under, most likely first. */
export function helperServerUrls(registry: string): string[] {
  return registry === DOCKER_HUB ? ['https://index.docker.io/v1/'] : [registry, `https://${registry}`];
}

async function ask(name: string, registry: string, options: HelperOptions): Promise<HelperCredentials | undefined> {
  if (!HELPER_NAME.test(name)) throw new CredentialHelperError(name.slice(0, 64), registry, 'is not a valid helper name (letters, digits, ".", "_" and "-")');
  for (const server of helperServerUrls(registry)) {
    const found = await runHelper(name, registry, server, options);
    if (found) return found;
  }
  return undefined;
}

function runHelper(name: string, registry: string, server: string, options: HelperOptions): Promise<HelperCredentials | undefined> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const fail = (reason: string, cause?: unknown): void =>
      settle(() => reject(new CredentialHelperError(name, registry, reason, cause === undefined ? undefined : { cause })));
    // stderr is dropped, never inherited: helpers may print secrets there
    const child = spawn(`docker-credential-${name}`, ['get'], { env: options.env, stdio: ['pipe', 'pipe', 'ignore'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(`did not answer within ${timeoutMs / 1000} s`);
    }, timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT) {
        child.kill('SIGKILL');
        fail(`answered with more than ${MAX_OUTPUT} bytes`);
      } else chunks.push(chunk);
    });
    child.on('error', (err: NodeJS.ErrnoException) => fail(spawnProblem(err, name), err));
    child.stdin.on('error', () => {}); // a helper that exits without reading stdin: its exit status tells
    child.stdin.end(server);
    child.on('close', (status, signal) => {
      const out = Buffer.concat(chunks).toString('utf8');
      if (status !== 0) {
        if (NOT_FOUND.test(out)) settle(() => resolve(undefined));
        else fail(signal ? `was killed by ${signal}` : `failed with exit status ${status} (its output is not shown: it may hold secrets)`);
        return;
      }
      let answer: HelperCredentials | undefined;
      try {
        answer = parseAnswer(out);
      } catch (err) {
        return fail((err as Error).message);
      }
      settle(() => resolve(answer));
    });
  });
}

/** Helper stdout -> credentials; throws a reason (never quoting the output) when it is not the protocol's JSON. */
function parseAnswer(out: string): HelperCredentials | undefined {
  let json: unknown;
  try {
    json = JSON.parse(out);
  } catch {
    throw new Error('answered with something that is not JSON (expected {"ServerURL","Username","Secret"})');
  }
  const answer = Answer.safeParse(json);
  if (!answer.success) throw new Error('answered with JSON without string "Username" and "Secret"');
  const { Username: username, Secret: password } = answer.data;
  registerSecret(password);
  if (username === IDENTITY_TOKEN_USER) {
    throw new Error(
      'answered with an identity token (username "<token>"), which image-transfer does not support; ' +
        'give this registry a username and password (or token) in the security file or an environment variable',
    );
  }
  return username && password ? { username, password } : undefined;
}

function spawnProblem(err: NodeJS.ErrnoException, name: string): string {
  if (err.code === 'ENOENT') return `is not installed (no docker-credential-${name} on PATH)`;
  if (err.code === 'EACCES') return 'is not executable';
  return `cannot be started (${err.code ?? 'error'})`;
}
