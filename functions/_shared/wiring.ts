import { setFlagsFromString } from 'node:v8';
import pkg from '../../package.json' with { type: 'json' };
import { CmqQueue, ScfAsyncSink, invokeAsync, type TaskSink, type TaskSource } from '../../lib/queue/index.js';
import { accessFrom, RegistryPool } from '../../lib/registry/index.js';
import { CosObjectStore, CosPullLedger } from '../../lib/store/cos.js';
import type { ObjectStore } from '../../lib/store/index.js';
import { parseConfigBytes } from '../../lib/rules/index.js';
import { credentialStore, type CredentialStore } from '../../lib/credentials/index.js';
import { readSecret, scfClient, ssmClient, type ScfClient } from '../../lib/tencent/clients.js';
import { ApiThrottle, scfRoleCredential, throttleClient } from '../../lib/tencent/index.js';
import { SCF_INVOKE_QPS, SCF_INVOKE_RETRIES } from '../../lib/util/limits.js';
import { instanceTokenLogin, type InstanceLogin } from '../../lib/inventory/index.js';
import { pullBudgetGates } from '../../lib/usecases/index.js';
import { createCcrTcrClients } from '../../lib/tencent/sdk.js';
import { readEnv, type FunctionEnv } from './env.js';

// As in the CLI: undici's WebAssembly HTTP parser compiled with the baseline tier only saves ~35 MiB of
// the function's memory; it must be set before the first request compiles it.
setFlagsFromString('--liftoff-only');

export interface Wiring {
  readonly env: FunctionEnv;
  readonly version: string;
  readonly store: ObjectStore;
  readonly scf: ScfClient;
  readonly sink: TaskSink;
  /** Present in TDMQ-CMQ mode. */
  readonly source?: TaskSource;
  security(): Promise<CredentialStore>;
  apiKey(): Promise<string>;
  pool(): Promise<RegistryPool>;
  invoke(functionName: string, event: unknown): Promise<void>;
  /** TCR APIs with the role's keys (CCR -> TCR runs). */
  tcrApis(ccrRegion: string, tcrRegion: string): ReturnType<typeof createCcrTcrClients>;
  /** From now on, `host` is logged in to with instance tokens of this TCR instance. */
  useTcrLogin(host: string, registryId: string, region: string): void;
}

/** Secrets are re-read after this long, so a rotated secret is picked up by warm instances. */
const SECRET_TTL_MS = 5 * 60 * 1000;

function cached<T>(load: () => Promise<T>): () => Promise<T> {
  let value: { at: number; promise: Promise<T> } | undefined;
  return () => {
    if (!value || Date.now() - value.at > SECRET_TTL_MS)
      value = { at: Date.now(), promise: load().catch((e: unknown) => ((value = undefined), Promise.reject(e))) };
    return value.promise;
  };
}

/** Composition root, built once per cold start from the environment; adapters are created here only. */
export function wire(rawEnv: Record<string, string | undefined> = process.env): Wiring {
  const env = readEnv(rawEnv);
  const credential = scfRoleCredential(rawEnv);
  const endpoint = { region: env.IT_REGION, ...(env.IT_CLOUD_PROXY ? { proxy: env.IT_CLOUD_PROXY } : {}) };
  const bucket = {
    bucket: env.IT_BUCKET,
    region: env.IT_REGION,
    prefix: env.IT_BUCKET_PREFIX,
    credential,
    ...(endpoint.proxy ? { proxy: endpoint.proxy } : {}),
  };
  const store = new CosObjectStore(bucket);
  // Invoke is capped per account (100/s) and shared by every function of the deployment: pace it and retry
  // RequestLimitExceeded with bounded backoff, so a throttled hand-on or worker start is not lost
  const throttle = new ApiThrottle({
    actionQps: { Invoke: SCF_INVOKE_QPS },
    retries: SCF_INVOKE_RETRIES,
    onRetry: (e) => console.warn(`${e.action} retried in ${e.delayMs} ms (attempt ${e.attempt}): ${e.reason}`),
  });
  const scf = throttleClient(scfClient(credential, endpoint), throttle);
  const ssm = ssmClient(credential, endpoint);
  const secret = async (name: string): Promise<string> => {
    if (name.startsWith('cos:')) {
      const text = await store.get(name.slice(4));
      if (text === undefined) throw new Error(`security configuration ${name} not found`);
      return text;
    }
    return readSecret(ssm, name);
  };
  const security = cached(async () =>
    credentialStore(parseConfigBytes(env.IT_SECURITY, Buffer.from(await secret(env.IT_SECURITY))), { env: {}, dockerConfigPath: '/nonexistent' }),
  );
  const tcrApis = (ccrRegion: string, tcrRegion: string) =>
    createCcrTcrClients({ credentials: { ccr: credential, tcr: credential }, ccrRegion, tcrRegion, ...(endpoint.proxy ? { proxy: endpoint.proxy } : {}) });
  const tcrLogins = new Map<string, InstanceLogin>();
  // the pull budget shared by every worker: create-only objects in the same bucket (see CosPullLedger)
  const ledger = new CosPullLedger(bucket);
  const gates = pullBudgetGates(store, ledger, (p, at) =>
    console.warn(`pull budget of ${p.registry} (${p.pulls} per ${p.windowSeconds} s) is spent: waiting until ${new Date(at).toISOString()}`),
  );
  const pool = cached(async () => {
    const s = await security();
    return new RegistryPool(
      accessFrom((registry, repository) => ({ ...s.lookup(registry, repository), source: s.sourceOf(registry, repository) }), {
        override: (registry) => tcrLogins.get(registry),
        extra: (registry) => ({ quota: { gate: gates(registry) } }),
      }),
    );
  });
  const cmq = env.IT_QUEUE === 'tdmq-cmq' ? new CmqQueue({ endpoint: env.IT_CMQ_ENDPOINT!, queueName: env.IT_CMQ_QUEUE!, credential }) : undefined;
  return {
    env,
    version: pkg.version,
    store,
    scf,
    sink: cmq ?? new ScfAsyncSink(scf, env.IT_TRANSFER_FUNCTION, { namespace: env.IT_NAMESPACE }),
    ...(cmq ? { source: cmq } : {}),
    security,
    apiKey: cached(() => (env.IT_API_KEY_SECRET ? secret(env.IT_API_KEY_SECRET) : Promise.reject(new Error('IT_API_KEY_SECRET is not set')))),
    pool,
    tcrApis,
    useTcrLogin: (host, registryId, region) => {
      if (!tcrLogins.has(host)) tcrLogins.set(host, instanceTokenLogin(tcrApis(region, region).tcrApi, registryId));
    },
    invoke: (functionName, event) => invokeAsync(scf, { functionName, namespace: env.IT_NAMESPACE }, event),
  };
}
