import { credentialStore } from '../credentials/index.js';
import { parseConfigBytes } from '../rules/index.js';
import { readSecret, type ScfClient } from '../tencent/clients.js';
import { apiCodeOf } from '../tencent/index.js';
import { messageOf } from '../util/errors.js';
import { redact } from '../util/redact.js';
import type { BootstrapClients } from './bootstrap.js';
import { executionActions, grantedBy, SCF_PRINCIPAL } from './permissions.js';
import { desiredTriggers, sameTriggerDesc, type FunctionCode } from './plan.js';
import { FUNCTION_ROLES, names, type Deployment, type FunctionRole } from './schema.js';

/** One line of `npm run deploy -- --check`: what was checked, and when it failed, the fix. */
export interface Check {
  readonly ok: boolean;
  readonly what: string;
  readonly fix?: string;
  /** Not checked (and the line says why). */
  readonly skipped?: boolean;
}

export interface DoctorClients extends BootstrapClients {
  readonly scf: ScfClient;
}

export interface DoctorOptions {
  /** The code `npm run deploy` would deploy (this build): a function running another hash is out of date. */
  readonly code: Record<FunctionRole, FunctionCode>;
  /** The Function URL; without it that check is skipped (and says so). */
  readonly url?: string;
  /** Deadline of the unsigned call to the Function URL. @default 10000 */
  readonly urlTimeoutMs?: number;
}

const DEPLOY = 'npm run deploy -- --config <values>';
const BOOTSTRAP = 'npm run deploy -- --bootstrap --config <values>';
const ok = (what: string): Check => ({ ok: true, what });
const bad = (what: string, fix: string): Check => ({ ok: false, what, fix });
const absent = (err: unknown) => /NotFound|NotExist/.test(apiCodeOf(err)) || (err as { statusCode?: number }).statusCode === 404;

async function functionChecks(d: Deployment, c: DoctorClients, o: DoctorOptions): Promise<Check[]> {
  const out: Check[] = [];
  for (const role of FUNCTION_ROLES) {
    const name = names(d).fn(role);
    let f: Awaited<ReturnType<ScfClient['GetFunction']>>;
    try {
      f = await c.scf.GetFunction({ FunctionName: name, Namespace: d.namespace });
    } catch (err) {
      if (!absent(err)) throw err;
      out.push(bad(`function ${name} does not exist`, DEPLOY));
      continue;
    }
    const reasons = (f.StatusReasons ?? []).map((r) => `${r.ErrorCode ?? '?'}: ${r.ErrorMessage ?? ''}`).join('; ');
    out.push(
      f.Status === 'Active'
        ? ok(`function ${name} is Active`)
        : bad(`function ${name} is ${f.Status ?? 'in no status'}${reasons ? ` (${reasons})` : ''}`, `${DEPLOY} (it waits for Active and reports why not)`),
    );
    const hash = o.code[role].sha256.slice(0, 16);
    out.push(
      (f.Description ?? '').includes(hash)
        ? ok(`function ${name} runs this build's code (${hash})`)
        : bad(`function ${name} runs other code than this build (${hash})`, DEPLOY),
    );
    const have = await c.scf.ListTriggers({ FunctionName: name, Namespace: d.namespace, Limit: 100 });
    for (const t of desiredTriggers(d, role)) {
      const found = (have.Triggers ?? []).find((x) => x.TriggerName === t.name && x.Type === t.type);
      const same = found && sameTriggerDesc(t.type, t.desc, found.TriggerDesc ?? '') && (t.customArgument ?? '') === (found.CustomArgument ?? '');
      out.push(
        same
          ? ok(`trigger ${t.name} (${t.type}) of ${name} is present`)
          : bad(`trigger ${t.name} (${t.type}) of ${name} is ${found ? 'not as described' : 'missing'}`, DEPLOY),
      );
    }
  }
  return out;
}

async function roleChecks(d: Deployment, c: DoctorClients): Promise<Check[]> {
  let role: Awaited<ReturnType<DoctorClients['cam']['GetRole']>>;
  try {
    role = await c.cam.GetRole({ RoleName: d.role });
  } catch (err) {
    if (!/RoleNotExist|NotFound/.test(apiCodeOf(err))) throw err;
    return [bad(`execution role ${d.role} does not exist`, BOOTSTRAP)];
  }
  const out: Check[] = [];
  const trusts = (role.RoleInfo?.PolicyDocument ?? '').includes(SCF_PRINCIPAL);
  out.push(
    trusts
      ? ok(`role ${d.role} may be assumed by SCF`)
      : bad(`role ${d.role} does not trust ${SCF_PRINCIPAL}`, `add ${SCF_PRINCIPAL} to the role's trust policy (CAM console, role, trust policy)`),
  );
  const attached = (await c.cam.ListAttachedRolePolicies({ RoleName: d.role, Page: 1, Rp: 200 })).List ?? [];
  const documents: string[] = [];
  for (const p of attached) if (p.PolicyId !== undefined) documents.push((await c.cam.GetPolicy({ PolicyId: p.PolicyId })).PolicyDocument ?? '');
  const granted = grantedBy(...documents);
  const lacking = executionActions(d).filter((a) => !granted(a));
  out.push(
    lacking.length
      ? bad(
          `role ${d.role} lacks ${lacking.join(', ')}`,
          `grant them to the role (docs/deploy.md#permissions; ${BOOTSTRAP} attaches a policy with all of them)`,
        )
      : ok(`role ${d.role} has each of the ${executionActions(d).length} actions the functions call`),
  );
  return out;
}

async function bucketCheck(d: Deployment, c: DoctorClients): Promise<Check> {
  try {
    await c.cos.headBucket({ Bucket: d.bucket.name, Region: d.region });
    return ok(`bucket ${d.bucket.name} is reachable`);
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 404) return bad(`bucket ${d.bucket.name} does not exist`, BOOTSTRAP);
    return bad(`bucket ${d.bucket.name} is not reachable (${status ?? messageOf(err)})`, 'check the bucket name, region and the deployer keys');
  }
}

async function secretChecks(d: Deployment, c: DoctorClients): Promise<Check[]> {
  const out: Check[] = [];
  const read = async (name: string): Promise<string | Check> => {
    try {
      return await readSecret(c.ssm, name);
    } catch (err) {
      return bad(`secret ${name} is not readable: ${redact(messageOf(err))}`, `${BOOTSTRAP} --security-file <file> (creates a missing secret)`);
    }
  };
  if (d.secrets.security.startsWith('cos:')) out.push(ok(`security configuration ${d.secrets.security} is a COS object (not checked here)`));
  else {
    const text = await read(d.secrets.security);
    if (typeof text !== 'string') out.push(text);
    else
      try {
        credentialStore(parseConfigBytes(d.secrets.security, Buffer.from(text)), { env: {}, dockerConfigPath: '/nonexistent' });
        out.push(ok(`secret ${d.secrets.security} holds a valid security file`));
      } catch (err) {
        const issues = (err as { issues?: Array<{ line?: number; key?: string; message: string }> }).issues;
        const why = issues ? issues.map((i) => `${i.line ? `line ${i.line}: ` : ''}${i.key ? `${i.key}: ` : ''}${i.message}`).join('; ') : messageOf(err);
        out.push(
          bad(
            `secret ${d.secrets.security} holds an invalid security file: ${redact(why)}`,
            'fix the file, then store it as a new version of the secret (PutSecretValue)',
          ),
        );
      }
  }
  const key = await read(d.secrets.apiKey);
  if (typeof key !== 'string') out.push(key);
  else
    out.push(
      key.length >= 16
        ? ok(`secret ${d.secrets.apiKey} holds an API key`)
        : bad(`secret ${d.secrets.apiKey} holds no usable API key (under 16 characters)`, 'store a random key of 32 bytes or more'),
    );
  return out;
}

async function urlCheck(url: string | undefined, timeoutMs: number): Promise<Check> {
  if (!url) return { ok: true, skipped: true, what: 'Function URL not checked: pass --url <function-url> to check that it refuses unsigned calls' };
  try {
    const res = await fetch(new URL('runs', url.endsWith('/') ? url : `${url}/`), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    return res.status === 401
      ? ok(`Function URL ${url} refuses an unsigned call (401)`)
      : bad(
          `Function URL ${url} answered ${res.status} to an unsigned call, not 401`,
          `${DEPLOY} (the planner checks the HMAC signature; is this the planner's URL?)`,
        );
  } catch (err) {
    return bad(`Function URL ${url} did not answer: ${messageOf(err)}`, 'check the URL (SCF console, function, Function URL)');
  }
}

async function queueChecks(d: Deployment, c: DoctorClients): Promise<Check[]> {
  if (d.queue.kind !== 'tdmq-cmq') return [];
  const out: Check[] = [];
  for (const q of [names(d).queue, names(d).deadLetter]) {
    try {
      await c.tdmq.DescribeCmqQueueDetail({ QueueName: q });
      out.push(ok(`queue ${q} exists`));
    } catch (err) {
      if (!absent(err)) throw err;
      out.push(bad(`queue ${q} does not exist`, DEPLOY));
    }
  }
  return out;
}

/** A group of checks that could not run (the deployer may not read it, the API is unreachable) is one failed line. */
async function guarded(what: string, run: () => Promise<Check | Check[]>): Promise<Check[]> {
  try {
    return [await run()].flat();
  } catch (err) {
    const code = apiCodeOf(err);
    return [
      bad(
        `${what}: could not check (${redact(code ? `${code}: ${messageOf(err)}` : messageOf(err))})`,
        'give the deployer the read actions of docs/deploy.md#permissions',
      ),
    ];
  }
}

/** Read-only checks of a live deployment, in the order a user fixes them; each group runs even when another could not. */
export async function runDoctor(d: Deployment, c: DoctorClients, o: DoctorOptions): Promise<Check[]> {
  return [
    ...(await guarded(`role ${d.role}`, () => roleChecks(d, c))),
    ...(await guarded(`bucket ${d.bucket.name}`, () => bucketCheck(d, c))),
    ...(await guarded('secrets', () => secretChecks(d, c))),
    ...(await guarded('queues', () => queueChecks(d, c))),
    ...(await guarded('functions', () => functionChecks(d, c, o))),
    await urlCheck(o.url, o.urlTimeoutMs ?? 10_000),
  ];
}

/** `✔ what`, `✘ what — fix: …`, or `– what` for a check skipped. */
export const checkLine = (k: Check): string => (k.skipped ? `– ${k.what}` : k.ok ? `✔ ${k.what}` : `✘ ${k.what} — fix: ${k.fix}`);
