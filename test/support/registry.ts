import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import yaml from 'js-yaml';
import { request } from 'undici';
import { onProcessExit } from './exit-hooks.js';
import { ensurePki, type Pki } from './pki.js';
import { freePort } from './ports.js';
import { dispatcherFor, type Auth } from './raw-http.js';
import { runCommand } from './run-command.js';

export type RegistryMode = 'plain' | 'htpasswd+tls' | 'token+tls';

export interface StartRegistryOptions {
  mode: RegistryMode;
  /** Default { testuser: 'testpass' }. For token mode the token server holds the users; this is informative. */
  users?: Record<string, string>;
  /** Required for token+tls: the `realm` of a running token server. */
  tokenRealm?: string;
  /** distribution log level, default 'warn' ('info' logs every request). */
  logLevel?: string;
}

export interface RunningRegistry {
  host: string;
  url: string;
  mode: RegistryMode;
  dir: string;
  dataDir: string;
  logFile: string;
  users: Record<string, string>;
  /** CA file to trust (tls modes). */
  ca?: string;
  /** Credentials of the first user (auth modes), so a RunningRegistry is usable as an images.ts Endpoint. */
  auth?: Auth;
  stop(): Promise<void>;
  /** The blob's data file in the filesystem storage. */
  blobPath(digest: string): string;
}

export const TOKEN_SERVICE = 'regtest';
export const TOKEN_ISSUER = 'regtest-issuer';

const READY_TIMEOUT_MS = 10_000;

/** Starts a CNCF distribution registry on 127.0.0.1:<free port> with its own config, data and log. */
export async function startRegistry(opts: StartRegistryOptions): Promise<RunningRegistry> {
  const users = opts.users ?? { testuser: 'testpass' };
  const tls = opts.mode !== 'plain';
  if (opts.mode === 'token+tls' && !opts.tokenRealm) throw new Error('startRegistry: token+tls needs tokenRealm');
  const pki = tls ? await ensurePki() : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'regtest-reg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'registry.log');
  await mkdir(dataDir);
  if (opts.mode === 'htpasswd+tls') await writeHtpasswd(join(dir, 'htpasswd'), users);

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = registryConfig({ ...opts, port, dir, dataDir, pki });
    await writeFile(join(dir, 'config.yml'), yaml.dump(config));
    const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    const child = launch(dir, logFile);
    const untrack = trackChild(child, dir);
    try {
      await waitReady(child, url, pki?.caCert, logFile);
    } catch (error) {
      child.kill('SIGKILL');
      untrack();
      const log = await logTail(logFile);
      if (attempt < 3 && log.includes('address already in use')) continue;
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    const first = Object.entries(users)[0];
    return {
      host: `127.0.0.1:${port}`,
      url,
      mode: opts.mode,
      dir,
      dataDir,
      logFile,
      users,
      ca: pki?.caCert,
      auth: opts.mode !== 'plain' && first ? { username: first[0], password: first[1] } : undefined,
      stop: () => stopChild(child, dir, untrack),
      blobPath: (digest) => {
        const hex = digest.replace(/^sha256:/, '');
        return join(dataDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
      },
    };
  }
}

interface ConfigInput extends StartRegistryOptions {
  port: number;
  dir: string;
  dataDir: string;
  pki: Pki | undefined;
}

function registryConfig(c: ConfigInput): object {
  const http: Record<string, unknown> = {
    addr: `127.0.0.1:${c.port}`, // never ':port', which listens on every interface
    secret: 'regtest-not-secret', // signs upload _state; fixed so it survives restarts
    headers: { 'X-Content-Type-Options': ['nosniff'] },
  };
  if (c.pki) http.tls = { certificate: c.pki.serverCert, key: c.pki.serverKey };
  const config: Record<string, unknown> = {
    version: '0.1',
    log: { level: c.logLevel ?? 'warn', formatter: 'text', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: c.dataDir },
      delete: { enabled: true },
      cache: { blobdescriptor: 'inmemory' },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http,
  };
  if (c.mode === 'htpasswd+tls') config.auth = { htpasswd: { realm: 'regtest', path: join(c.dir, 'htpasswd') } };
  if (c.mode === 'token+tls' && c.pki) {
    config.auth = {
      token: { realm: c.tokenRealm, service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, rootcertbundle: c.pki.tokenBundle },
    };
  }
  return config;
}

async function writeHtpasswd(path: string, users: Record<string, string>): Promise<void> {
  const lines: string[] = [];
  // bcrypt (-B) is the only hash distribution 2.8 accepts
  for (const [user, pass] of Object.entries(users)) lines.push((await runCommand('htpasswd', ['-Bbn', user, pass])).stdout.toString().trim());
  await writeFile(path, `${lines.join('\n')}\n`);
}

function launch(dir: string, logFile: string): ChildProcess {
  const { AWS_CA_BUNDLE: _dropped, ...env } = process.env; // makes the registry's S3 driver panic at start
  const fd = openSync(logFile, 'w');
  try {
    const child = spawn(process.env.REGISTRY_BIN ?? 'docker-registry', ['serve', join(dir, 'config.yml')], {
      cwd: dir,
      env: { ...env, AWS_EC2_METADATA_DISABLED: 'true' },
      stdio: ['ignore', fd, fd],
    });
    child.on('error', () => {}); // reported by waitReady; never an unhandled 'error' event
    return child;
  } finally {
    closeSync(fd);
  }
}

async function waitReady(child: ChildProcess, url: string, ca: string | undefined, logFile: string): Promise<void> {
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`cannot run docker-registry (apt-get install docker-registry): ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`registry exited (${child.exitCode ?? child.signalCode}) before answering; log:\n${await logTail(logFile)}`);
    }
    try {
      const res = await request(`${url}/v2/`, { dispatcher: dispatcherFor(ca), headersTimeout: 2_000 });
      await res.body.dump();
      if (res.statusCode === 200 || res.statusCode === 401) return;
      last = `HTTP ${res.statusCode}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(25);
  }
  child.kill('SIGKILL');
  throw new Error(`registry at ${url} not ready after ${READY_TIMEOUT_MS} ms (${last}); log:\n${await logTail(logFile)}`);
}

async function stopChild(child: ChildProcess, dir: string, untrack: () => void): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  untrack();
  await rm(dir, { recursive: true, force: true });
}

async function logTail(logFile: string): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text.slice(-2_000);
}

function trackChild(child: ChildProcess, dir: string): () => void {
  return onProcessExit(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
}
