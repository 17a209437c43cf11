// `npm run deploy -- --bootstrap`, `npm run undeploy -- --bootstrap` and `npm run deploy -- --check` (doctor):
// the composition of lib/deploy's bootstrap and doctor with the real SDK clients. See docs/deploy.md.
import { credentialStore } from '../lib/credentials/index.js';
import {
  bucketKeys,
  checkLine,
  executeBootstrap,
  newApiKey,
  planBootstrap,
  planUnbootstrap,
  readBootstrap,
  readCode,
  runDoctor,
  type BootstrapAction,
  type Deployment,
  type DoctorClients,
} from '../lib/deploy/index.js';
import { ConfigError, loadConfigFile } from '../lib/rules/index.js';
import { cosClient } from '../lib/store/cos.js';
import { expiringKeys } from '../lib/store/index.js';
import { camClient, scfClient, ssmClient, tdmqClient } from '../lib/tencent/clients.js';
import { scfRoleCredential } from '../lib/tencent/index.js';
import { MAX_SSM_SECRET_BYTES } from '../lib/util/limits.js';

/** Where the commands read credentials and write their lines (the process's, or a test's). */
export interface Io {
  readonly env: Record<string, string | undefined>;
  readonly print: (line: string) => void;
}
const processIo: Io = { env: process.env, print: (line) => console.log(line) };

export interface BootstrapFlags {
  readonly securityFile?: string;
  readonly dryRun: boolean;
  readonly force: boolean;
  readonly expireDays: number;
  readonly url?: string;
}

function clients(d: Deployment, env: Io['env']): DoctorClients {
  const credential = scfRoleCredential(env);
  const proxy = env.IT_CLOUD_PROXY;
  const endpoint = { region: d.region, ...(proxy ? { proxy } : {}) };
  return {
    cam: camClient(credential, endpoint),
    ssm: ssmClient(credential, endpoint),
    tdmq: tdmqClient(credential, endpoint),
    scf: scfClient(credential, endpoint),
    cos: cosClient({ credential, ...(proxy ? { proxy } : {}) }),
  };
}

const target = (a: BootstrapAction): string =>
  String(
    a.params.RoleName ??
      a.params.PolicyName ??
      a.params.AttachRoleName ??
      a.params.DetachRoleName ??
      a.params.SecretName ??
      a.params.QueueName ??
      a.params.Key ??
      a.params.Bucket ??
      '',
  );
const line = (a: BootstrapAction) => `  ${a.service}.${a.action.padEnd(22)} ${target(a).padEnd(36)} ${a.why}`;

/** The security file, read and validated as a run reads it (exit 2 on a bad file, before any call). */
async function securityText(path: string | undefined): Promise<string> {
  if (!path) throw new ConfigError([{ file: '--security-file', message: 'the security secret is missing: give the security file to store in it' }]);
  const loaded = await loadConfigFile(path);
  credentialStore(loaded, { env: {}, dockerConfigPath: '/nonexistent' });
  if (Buffer.byteLength(loaded.text) > MAX_SSM_SECRET_BYTES)
    throw new ConfigError([{ file: path, message: `is larger than an SSM secret holds (${MAX_SSM_SECRET_BYTES} bytes)` }]);
  return loaded.text;
}

export async function bootstrap(d: Deployment, flags: BootstrapFlags, io: Io = processIo): Promise<void> {
  const c = clients(d, io.env);
  const show = (a: BootstrapAction) => io.print(line(a));
  const state = await readBootstrap(d, c);
  const expiry = { days: flags.expireDays, prefixes: expiringKeys.prefixes, tagged: expiringKeys.tagged };
  const plan = planBootstrap(d, state, expiry);
  if (!plan.length)
    return void io.print(`bootstrap: nothing to do: the role, policy, bucket, secrets${d.queue.kind === 'tdmq-cmq' ? ' and queues' : ''} exist`);
  const needsFile = plan.some((a) => a.secret === 'security') && (!flags.dryRun || flags.securityFile !== undefined);
  const security = needsFile ? await securityText(flags.securityFile) : '';
  io.print(`${flags.dryRun ? 'would create' : 'creating'} what a first deploy of ${d.prefix} in ${d.region} needs:`);
  if (flags.dryRun) return void plan.forEach(show);
  let apiKey = '';
  // the key is shown as soon as SSM holds it, even if a later call fails
  const shown = (a: BootstrapAction) =>
    a.secret === 'apiKey' &&
    io.print(
      `\nAPI key (stored in SSM secret ${d.secrets.apiKey}; shown this once, keep it where your clients read it, e.g. IMAGE_TRANSFER_API_KEY):\n${apiKey}\n`,
    );
  await executeBootstrap(plan, c, (kind) => (kind === 'security' ? security : (apiKey = newApiKey())), show, shown);
  if (d.secrets.security.startsWith('cos:')) io.print(`note: the security configuration ${d.secrets.security} is an object of the bucket: upload it yourself`);
  io.print('bootstrap done: next, npm run deploy');
}

export async function unbootstrap(d: Deployment, flags: BootstrapFlags, io: Io = processIo): Promise<void> {
  const c = clients(d, io.env);
  const show = (a: BootstrapAction) => io.print(line(a));
  const state = await readBootstrap(d, c);
  const keys = state.bucket?.ours ? await bucketKeys(d, c) : [];
  const plan = planUnbootstrap(d, state, keys, flags.force);
  if (!plan.length) return void io.print('undeploy --bootstrap: nothing bootstrap created is left');
  io.print(`${flags.dryRun ? 'would remove' : 'removing'} what bootstrap created for ${d.prefix}:`);
  if (flags.dryRun) return void plan.forEach(show);
  await executeBootstrap(plan, c, () => '', show);
}

/** Prints one line per check; the exit status: 1 when any fails. */
export async function doctor(d: Deployment, flags: BootstrapFlags, io: Io = processIo): Promise<number> {
  const checks = await runDoctor(d, clients(d, io.env), { code: readCode(), ...(flags.url ? { url: flags.url } : {}) });
  for (const k of checks) io.print(checkLine(k));
  const failed = checks.filter((k) => !k.ok).length;
  io.print(failed ? `\n${failed} of ${checks.length} checks failed` : `\nall ${checks.length} checks passed`);
  return failed ? 1 : 0;
}
