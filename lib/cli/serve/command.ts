import { join, resolve } from 'node:path';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import yaml from 'js-yaml';
import { loadSecurityFile } from '../../credentials/index.js';
import { accessFrom, RegistryPool } from '../../registry/index.js';
import { FsObjectStore, jobKey } from '../../store/index.js';
import { checkRegistryPolicy } from '../../usecases/index.js';
import { readLocalFile } from '../../util/local-file.js';
import { createLogger, type LogLevel } from '../../util/logger.js';
import { registerSecret } from '../../util/redact.js';
import { UsageError } from '../usage-error.js';
import { loadJobsFile, type ScheduledJob } from './jobs.js';
import { ServeMetrics } from './metrics.js';
import { Runner } from './runner.js';
import { startSchedules } from './scheduler.js';
import { createApiServer } from './server.js';
import { retryLine } from '../retry-line.js';

const MAX_API_KEY_BYTES = 4096;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

interface ServeOptions {
  securityFile: string;
  listen: string;
  dataDir: string;
  jobs?: string;
  workers: number;
  apiKeyFile?: string;
  allowInternal: string;
  drainTimeout: number;
  logLevel: LogLevel;
}

function parseArgs(argv: readonly string[]): ServeOptions {
  const int = (name: string, min: number, max: number) => (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`serve: --${name} expects a whole number from ${min} to ${max}, got "${v}"`);
    return n;
  };
  const cmd = new Command('image-transfer serve')
    .requiredOption('--securityFile <file>', 'registry credentials; also the registries an API request may name')
    .option('--listen <host:port>', 'address of the HTTP API', '127.0.0.1:8080')
    .option('--data-dir <dir>', 'runs, reports and checkpoints (the layout of the bucket)', './image-transfer-data')
    .option('--jobs <file>', 'scheduled jobs (YAML): jobs: [{name, schedule, ruleFile | rules, options}]')
    .option('--workers <n>', 'transfers at once, over all runs', int('workers', 1, 256), 4)
    .option('--api-key-file <file>', 'HMAC key of signed requests (else IMAGE_TRANSFER_API_KEY)')
    .option('--allow-internal <hosts>', 'registries that may resolve to loopback or link-local addresses (comma-separated)', '')
    .option('--drain-timeout <seconds>', 'on SIGTERM, how long transfers in flight may take to finish', int('drain-timeout', 0, 3600), 25)
    .option('--log-level <level>', 'debug, info, warn or error', 'info')
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  cmd.parse(argv as string[], { from: 'user' });
  const o = cmd.opts<ServeOptions>();
  if (!['debug', 'info', 'warn', 'error'].includes(o.logLevel))
    throw new UsageError(`serve: --log-level expects debug, info, warn or error, got "${o.logLevel}"`);
  return o;
}

function listenAddress(listen: string): { host: string; port: number } {
  const m = listen.match(/^\[?([^\]]*?)\]?:(\d{1,5})$/);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`serve: --listen expects host:port (e.g. 127.0.0.1:8080), got "${listen}"`);
  return { host: m[1]!, port: Number(m[2]) };
}

function apiKeyOf(o: ServeOptions, env: Record<string, string | undefined>): string | undefined {
  if (!o.apiKeyFile) return env.IMAGE_TRANSFER_API_KEY?.trim() || undefined;
  const read = readLocalFile(o.apiKeyFile, MAX_API_KEY_BYTES);
  if ('problem' in read) throw new UsageError(`serve: --api-key-file ${o.apiKeyFile}: ${read.problem}`);
  const key = read.bytes.toString('utf8').trim();
  if (key.length < 16) throw new UsageError(`serve: --api-key-file ${o.apiKeyFile}: the key must be at least 16 characters`);
  return key;
}

/** Everything serve reads at start, checked before anything listens (bad input: exit 2). */
async function inputs(o: ServeOptions, env: Record<string, string | undefined>) {
  const address = listenAddress(o.listen);
  const key = apiKeyOf(o, env);
  registerSecret(key);
  if (!key && !LOOPBACK.test(address.host))
    throw new UsageError(
      `serve: no API key (--api-key-file or IMAGE_TRANSFER_API_KEY), so requests cannot be signed: --listen ${o.listen} would open the API to the network; listen on 127.0.0.1 or give a key`,
    );
  const security = await loadSecurityFile(o.securityFile, { env });
  const jobs: ScheduledJob[] = o.jobs ? await loadJobsFile(o.jobs) : [];
  const allowInternal = o.allowInternal
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return { address, key, security, jobs, allowInternal };
}

/** Listens, or fails as bad usage (the address is taken or not local); returns the bound address. */
async function listen(server: Server, address: { host: string; port: number }, listenFlag: string): Promise<string> {
  server.listen(address.port, address.host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([err]) => Promise.reject(new UsageError(`serve: cannot listen on ${listenFlag}: ${(err as Error).message}`))),
  ]);
  const bound = server.address() as AddressInfo;
  return `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
}

/**
 * `image-transfer serve`: the planner's API, the schedules and the transfer workers in one process,
 * over the in-process queue and the filesystem store. Resolves with 0 after SIGTERM or SIGINT and a drain.
 */
export async function serveCommand(argv: readonly string[], env: Record<string, string | undefined>, version: string): Promise<number> {
  const o = parseArgs(argv);
  const { address, key, security, jobs, allowInternal } = await inputs(o, env);
  const logger = createLogger({ level: o.logLevel, write: (line) => process.stderr.write(`${line}\n`) });
  const metrics = new ServeMetrics();
  const store = new FsObjectStore(o.dataDir);
  const pool = new RegistryPool(
    accessFrom((registry, repository) => security.lookup(registry, repository)),
    {
      onRetry: (e) => logger.warn(retryLine(e)),
    },
  );
  // as the functions' stored jobs: `POST /runs {"job": "<name>"}` starts one now
  for (const job of jobs) await store.put(jobKey(job.name), yaml.dump({ rules: yaml.load(job.rulesText), options: job.options }), 'application/yaml');
  const runner = new Runner({ store, pool, workers: o.workers, version, logger, metrics });
  const shutdown = new AbortController();
  let healthy = true;
  const server = createApiServer({
    api: {
      store,
      runDeps: runner.runDeps('api', (rules) => checkRegistryPolicy(rules, security.registries, allowInternal)),
      ...(key ? { apiKey: async () => key } : {}),
      budget: () => runner.budget(),
      location: (key) => join(resolve(o.dataDir), key),
    },
    metrics,
    logger,
    healthy: () => healthy,
    signal: shutdown.signal,
  });
  const where = await listen(server, address, o.listen);
  logger.info(
    key
      ? `serving on http://${where}: requests must be signed with the API key`
      : `serving on http://${where}: no API key, so requests are not signed and the API listens on loopback only`,
  );
  runner.start();
  await runner.resume();
  const schedules = startSchedules(jobs, runner, logger, metrics);
  if (jobs.length) logger.info(`${jobs.length} scheduled job(s): ${jobs.map((j) => `${j.name} (${j.schedule})`).join(', ')}`);
  const signalled = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info(`${signalled}: no new runs; waiting up to ${o.drainTimeout} s for transfers in flight`);
  healthy = false;
  schedules.stop();
  const cut = await drain(server, runner, o.drainTimeout * 1000);
  shutdown.abort(new Error('shutting down'));
  await pool.close();
  logger.info(cut ? `stopped: ${cut} transfer(s) cut at the deadline will run again at the next start` : 'stopped: every transfer in flight finished');
  return 0;
}

/** Closes the listener at once, lets the runner drain within `drainMs`, then closes what is left. */
async function drain(server: Server, runner: Runner, drainMs: number): Promise<number> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const cut = await runner.stop(drainMs);
  runner.cancelPlanning();
  server.closeAllConnections();
  await closed;
  return cut;
}
