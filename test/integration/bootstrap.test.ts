import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { executionActions, executionPolicyName, grantedBy, resolveDeployment } from '../../lib/deploy/index.js';
import { description } from '../../serverless.js';
import { CLI, ensureBuilt } from '../support/cli.js';
import { installAccount, instanceEnv } from '../support/cloud/account.js';
import { installCam, type CamModel } from '../support/cloud/cam.js';
import { installBuckets, type BucketModel } from '../support/cloud/cos-buckets.js';
import { startFunctionUrl, type FunctionUrl } from '../support/cloud/function-url.js';
import { startWarmInstance, type WarmInstance } from '../support/cloud/functions.js';
import { startCloudFake, type CloudFake } from '../support/cloud/server.js';
import { CloudApiError } from '../support/cloud/tc3.js';
import { installSsmAdmin } from '../support/cloud/ssm-admin.js';
import { getManifestRaw, pushImage } from '../support/images.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';
import { bootstrap, doctor, unbootstrap, type BootstrapFlags } from '../../scripts/deploy-bootstrap.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DEPLOYER = { TENCENTCLOUD_SECRET_ID: 'AKIDbootstrap00000001', TENCENTCLOUD_SECRET_KEY: 'bootstrap-deployer-key-0001' };
const ROLE = { TENCENTCLOUD_SECRETID: 'AKIDbootrole000000001', TENCENTCLOUD_SECRETKEY: 'bootstrap-role-key-0001', TENCENTCLOUD_SESSIONTOKEN: 'boot-token-1' };
const BUCKET = 'boot-reports-1250000000';
const REGISTRY_PASSWORD = 'registry-password-never-shown-7731';

/**
 * The README's serverless block: the variables its `export` line sets, and its commands as argv (what a new user
 * types, from an empty account to a finished migration) with the variables set before a command in `env`. The
 * file names and the Function URL placeholder are the README's; `files` maps them.
 */
function readmeBlock(files: Record<string, string>): { exported: string[]; commands: Array<{ env: string[]; argv: string[] }> } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = readme.match(/<!-- example: serverless-commands .*-->\n```bash\n([\s\S]*?)```/)?.[1];
  assert.ok(block, 'README.md has no serverless-commands example');
  const lines = block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
  const names = (words: string[]) => words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => w.slice(0, w.indexOf('=')));
  const exported = names(lines.filter((l) => l.startsWith('export ')).flatMap((l) => l.split(/\s+/)));
  const commands = lines
    .filter((l) => !l.startsWith('export '))
    .map((line) => {
      const words = line.split(/\s+/);
      const first = words.findIndex((w) => !/^[A-Z_]+=/.test(w));
      return { env: names(words.slice(0, first)), argv: words.slice(first).map((w) => files[w] ?? w) };
    });
  return { exported, commands };
}

describe('npm run deploy -- --bootstrap / --check, undeploy --bootstrap, against the cloud stand-in (signatures checked)', () => {
  let cloud: CloudFake;
  let account: ReturnType<typeof installAccount>;
  let cam: CamModel;
  let buckets: BucketModel;
  let registry: RunningRegistry;
  let dir: string;
  /** A Function URL that answers 200 to anything: one that does not check the signature. */
  let open: Server;
  let openAddress: string;
  let fu: FunctionUrl | undefined;
  let warm: { transfer: WarmInstance; aggregator: WarmInstance } | undefined;
  let pending = 0;
  const workerErrors: string[] = [];
  let apiKey = '';
  const outputs: string[] = [];

  const spawnOut = (file: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; stdout: string }> =>
    new Promise((resolve) => {
      const child = spawn(file, args, { cwd: ROOT, env: { ...process.env, ...env } });
      let out = '';
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => ((out += d.toString()), (stdout += d.toString())));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => (outputs.push(out), resolve({ code, out, stdout })));
    });
  /** `npm run deploy -- <args>`: the script's last step (its build step is ensureBuilt's, done once). */
  const run = (...args: string[]) =>
    spawnOut(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'deploy.ts'), ...args], { ...DEPLOYER, IT_CLOUD_PROXY: cloud.proxy });
  const values = (name: string) => join(dir, name);
  /** The same commands in this process (a spawned `npm run deploy` costs seconds of TypeScript loading). */
  const local = async (
    command: 'bootstrap' | 'unbootstrap' | 'doctor',
    file: string,
    flags: Partial<BootstrapFlags> = {},
  ): Promise<{ code: number; out: string }> => {
    const lines: string[] = [];
    const io = { env: { ...DEPLOYER, IT_CLOUD_PROXY: cloud.proxy }, print: (l: string) => lines.push(l) };
    const d = await resolveDeployment(description, values(file));
    const all = { dryRun: false, force: false, expireDays: 7, ...flags };
    let code = 0;
    try {
      if (command === 'doctor') code = await doctor(d, all, io);
      else await (command === 'bootstrap' ? bootstrap(d, all, io) : unbootstrap(d, all, io));
    } catch (err) {
      lines.push(`deploy: ${(err as Error).message}`);
      code = (err as { code?: string }).code === 'CONFIG_INVALID' ? 2 : 1;
    }
    const out = lines.join('\n');
    outputs.push(out);
    return { code, out };
  };
  /** Successful calls that change something: TC3 actions other than reads, COS PUT/DELETE. */
  const writes = () =>
    cloud.calls.filter((c) => c.ok && (c.service === 'cos' ? ['PUT', 'DELETE', 'POST'].includes(c.action) : !/^(Get|List|Describe)/.test(c.action)));

  before(async () => {
    ensureBuilt('functions');
    ensureBuilt('cli');
    registry = await startRegistry({ mode: 'plain' });
    const image = await pushImage(registry, 'src/app', 'v1', { format: 'oci', layers: [{ seed: 'bootstrap-app', size: 50_000 }] });
    assert.ok(image.digest);
    cloud = await startCloudFake({
      secrets: { [DEPLOYER.TENCENTCLOUD_SECRET_ID]: DEPLOYER.TENCENTCLOUD_SECRET_KEY, [ROLE.TENCENTCLOUD_SECRETID]: ROLE.TENCENTCLOUD_SECRETKEY },
      tokens: [ROLE.TENCENTCLOUD_SESSIONTOKEN],
    });
    account = installAccount(cloud);
    cam = installCam(cloud);
    buckets = installBuckets(cloud);
    installSsmAdmin(cloud);
    // SCF async mode: each transfer invocation runs on one warm instance; the aggregator's 5-minute timer
    // fires once no invocation is left, as it would later
    let invoked = 0;
    cloud.handlers['scf.Invoke'] = (p) => {
      invoked += 1;
      assert.ok(warm, 'an invocation before deploy');
      const w = warm;
      if (p.FunctionName === 'image-transfer-transfer') {
        pending += 1;
        void w.transfer
          .invoke(JSON.parse(String(p.ClientContext)))
          .catch((err: Error) => workerErrors.push(err.message))
          .finally(() => {
            pending -= 1;
            if (pending === 0)
              void w.aggregator
                .invoke({ Type: 'Timer', TriggerName: 'every-5-minutes', Time: new Date().toISOString() })
                .catch((err: Error) => workerErrors.push(err.message));
          });
      }
      return { Result: { FunctionRequestId: `req-${invoked}` } };
    };
    dir = mkdtempSync(join(tmpdir(), 'it-bootstrap-'));
    writeFileSync(values('a.yaml'), yaml.dump({ region: 'ap-guangzhou', bucket: { name: BUCKET, prefix: 'image-transfer/' }, queue: { kind: 'scf-async' } }));
    writeFileSync(values('security.yaml'), yaml.dump({ [registry.host]: { insecure: true, username: 'mirror', password: REGISTRY_PASSWORD } }));
    writeFileSync(values('rules.yaml'), yaml.dump({ [`${registry.host}/src/app:v1`]: `${registry.host}/mirror/app:v1` }));
    open = createServer((_req, res) => res.writeHead(200).end('{}'));
    await new Promise<void>((resolve) => open.listen(0, '127.0.0.1', resolve));
    openAddress = `http://127.0.0.1:${(open.address() as AddressInfo).port}/`;
  });
  after(async () => {
    warm?.transfer.stop();
    warm?.aggregator.stop();
    await fu?.stop();
    await new Promise((resolve) => open?.close(resolve));
    await cloud?.stop();
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--dry-run on an empty account prints the calls and makes no write call', async () => {
    const r = await local('bootstrap', 'a.yaml', { dryRun: true });
    assert.equal(r.code, 0, r.out);
    for (const call of ['cam.CreateRole', 'cam.CreatePolicy', 'cam.AttachRolePolicy', 'cos.PutBucket ', 'cos.PutBucketLifecycle', 'ssm.CreateSecret'])
      assert.ok(r.out.includes(call), `${call} in\n${r.out}`);
    assert.deepEqual(writes(), []);
    assert.equal(cam.roles.size + buckets.buckets.size + cloud.ssm.secrets.size, 0);
  });

  it('a bad security file stops bootstrap with exit 2, naming the file and key, before any write call', async () => {
    writeFileSync(values('bad.yaml'), yaml.dump({ [registry.host]: { username: 'u', pasword: REGISTRY_PASSWORD } }));
    const r = await local('bootstrap', 'a.yaml', { securityFile: values('bad.yaml') });
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /bad\.yaml:3: .*pasword: unknown key/);
    assert.deepEqual(writes(), []);
  });

  it("the README's three commands take an empty account to a finished migration: bootstrap creates the role, policy, bucket and secrets (a second changes nothing), deploy, cloud start waits and exits 0", {
    timeout: 240_000,
  }, async () => {
    // the README runs `npm run deploy -- …`: the script builds the bundles (ensureBuilt did) then runs deploy.ts
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.equal(scripts.deploy, 'node scripts/build.mjs --functions && node --import tsx scripts/deploy.ts');
    const readme = readmeBlock({ 'my.yaml': values('a.yaml'), 'security.yaml': values('security.yaml'), 'rules.yaml': values('rules.yaml') });
    // the user's shell: the deployer's keys exported once; the API key set for cloud start only
    assert.deepEqual(readme.exported, Object.keys(DEPLOYER));
    assert.deepEqual(
      readme.commands.map((c) => c.env),
      [[], [], ['IMAGE_TRANSFER_API_KEY']],
    );
    const [bootstrapCmd, deployCmd, startCmd] = readme.commands.map((c) => c.argv);
    assert.deepEqual(bootstrapCmd?.slice(0, 5), ['npm', 'run', 'deploy', '--', '--bootstrap']);
    assert.deepEqual(deployCmd?.slice(0, 4), ['npm', 'run', 'deploy', '--']);
    assert.deepEqual(startCmd?.slice(0, 3), ['image-transfer', 'cloud', 'start']);

    const first = await run(...bootstrapCmd!.slice(4));
    assert.equal(first.code, 0, first.out);
    apiKey = first.out.match(/^API key .*\n([A-Za-z0-9_-]{43})$/m)?.[1] ?? '';
    assert.ok(apiKey, first.out);
    const role = cam.roles.get('SCF_ImageTransferRole')!;
    assert.match(role.PolicyDocument, /"service":\["scf\.qcloud\.com"\]/);
    const d = await resolveDeployment(description, values('a.yaml'));
    const policy = [...cam.policies.values()].find((p) => p.PolicyName === executionPolicyName(d))!;
    assert.ok(role.attached.has(policy.PolicyId));
    const granted = grantedBy(policy.PolicyDocument);
    assert.deepEqual(
      executionActions(d).filter((a) => !granted(a)),
      [],
    );
    assert.ok(!granted('cmqqueue:BatchSendMessage'), 'scf-async mode: no CMQ action');
    assert.equal(buckets.buckets.get(BUCKET)?.acl, 'private');
    const lifecycle = buckets.buckets.get(BUCKET)!.lifecycle!;
    assert.match(lifecycle, /<Prefix>image-transfer\/pull-budget\/<\/Prefix>/);
    assert.match(lifecycle, /<And><Prefix>image-transfer\/runs\/<\/Prefix><Tag><Key>image-transfer-expire<\/Key><Value>plan<\/Value><\/Tag><\/And>/);
    assert.match(lifecycle, /<Days>7<\/Days>/);
    assert.equal(cloud.ssm.secrets.get('image-transfer-api-key')!.versions[0]!.SecretString, apiKey);
    assert.match(cloud.ssm.secrets.get('image-transfer-security')!.versions[0]!.SecretString!, new RegExp(REGISTRY_PASSWORD));

    const before = writes().length;
    const second = await local('bootstrap', 'a.yaml');
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, /nothing to do/);
    assert.equal(writes().length, before, 'a second bootstrap makes no write call');

    const deployed = await run(...deployCmd!.slice(4));
    assert.equal(deployed.code, 0, deployed.out);
    const planner = account.functions.get('image-transfer-planner')!;
    assert.equal(planner.params.Role, 'SCF_ImageTransferRole');
    // each function runs with the environment deploy gave it (and what SCF adds: the role's temporary keys)
    const envOf = (fn: string) => instanceEnv(account, `image-transfer-${fn}`, ROLE, cloud);
    warm = { transfer: startWarmInstance('transfer', envOf('transfer')), aggregator: startWarmInstance('aggregator', envOf('aggregator')) };
    fu = await startFunctionUrl(envOf('planner'));

    const args = startCmd!.slice(1).map((word) => (word === 'https://<function-url>' ? fu!.url : word));
    assert.ok(args.includes(fu.url), `the README's start command names the Function URL: ${startCmd!.join(' ')}`);
    const started = await spawnOut(CLI, args, { ...DEPLOYER, IMAGE_TRANSFER_API_KEY: apiKey });
    const shown = `${started.out}\n${workerErrors.join('\n')}`;
    assert.equal(started.code, 0, shown);
    const runId = started.stdout.match(/^run (\S+): 1 image\(s\) planned$/m)?.[1];
    assert.ok(runId, shown);
    assert.match(started.out, new RegExp(`run ${runId}: (running|reported)`), 'progress is shown');
    assert.match(started.stdout, /^succeeded 1, skipped 0, failed 0, plan failures 0, /m);
    assert.match(started.stdout, /\n################# Finished, 0 transfer jobs failed, 0 jobs generate failed #################\n/);
    assert.match(started.stdout, new RegExp(`^report: cos://${BUCKET}/image-transfer/runs/${runId}/report\\.html$`, 'm'));
    assert.equal((await getManifestRaw(registry, 'mirror/app', 'v1')).digest, (await getManifestRaw(registry, 'src/app', 'v1')).digest);
    // the plan slices carry the tag the lifecycle rule expires; the report does not
    const tags = [...buckets.objectTags].filter(([k]) => k.includes(`/runs/${runId}/`));
    assert.ok(tags.length > 0 && tags.every(([k, v]) => /\/plan\/\d+\.json$/.test(k) && v === 'image-transfer-expire=plan'), JSON.stringify(tags));

    // the key travels in the environment only; it is shown once, on its own line, by bootstrap
    for (const argv of [bootstrapCmd!, deployCmd!, args])
      for (const s of [apiKey, REGISTRY_PASSWORD]) assert.ok(!argv.join(' ').includes(s), `a secret in the argv of ${argv.slice(0, 4).join(' ')}`);
    const all = [first.out, second.out, deployed.out, started.out].join('\n');
    assert.ok(!all.includes(REGISTRY_PASSWORD), 'the registry password is shown');
    assert.deepEqual(
      all.split('\n').filter((line) => line.includes(apiKey)),
      [apiKey],
      'the API key is shown once, alone on its line',
    );
  });

  it('--check passes on the healthy deployment and names each broken piece with its fix (exit 1)', { timeout: 120_000 }, async () => {
    const healthy = await local('doctor', 'a.yaml', { url: fu!.url });
    assert.equal(healthy.code, 0, healthy.out);
    assert.doesNotMatch(healthy.out, /✘/);
    assert.match(healthy.out, /✔ Function URL .* refuses an unsigned call \(401\)/);
    assert.match(healthy.out, /✔ secret image-transfer-security holds a valid security file/);

    const planner = account.functions.get('image-transfer-planner')!;
    const transfer = account.functions.get('image-transfer-transfer')!;
    const aggregator = account.functions.get('image-transfer-aggregator')!;
    const policy = [...cam.policies.values()][0]!;
    const original = { status: transfer.status, description: planner.params.Description, doc: policy.PolicyDocument };
    const timer = planner.triggers.get('nightly')!;
    const security = cloud.ssm.secrets.get('image-transfer-security')!;
    const key = cloud.ssm.secrets.get('image-transfer-api-key')!;
    account.functions.delete('image-transfer-aggregator');
    transfer.status = 'UpdateFailed';
    transfer.statusReasons = [{ ErrorCode: 'InstallDependenciesError', ErrorMessage: 'no space' }];
    planner.params.Description = 'image-transfer 0.0.1 code 0000000000000000';
    planner.triggers.delete('nightly');
    const urlTrigger = planner.triggers.get('function-url')!;
    const urlDesc = urlTrigger.TriggerDesc;
    urlTrigger.TriggerDesc = String(urlDesc).replace('"AuthType":"NONE"', '"AuthType":"CAM"');
    policy.PolicyDocument = policy.PolicyDocument.replace('"name/cos:GetObject",', '');
    const bucket = buckets.buckets.get(BUCKET)!;
    buckets.buckets.delete(BUCKET);
    cloud.ssm.secrets.delete('image-transfer-api-key');
    cloud.ssm.put('image-transfer-security', 'v2', { string: 'registry.example.com: {passwd: x}\n' });
    try {
      const broken = await run('--check', '--config', values('a.yaml'), '--url', openAddress);
      assert.equal(broken.code, 1, broken.out);
      for (const line of [
        /✘ function image-transfer-aggregator does not exist — fix: npm run deploy/,
        /✘ function image-transfer-transfer is UpdateFailed \(InstallDependenciesError: no space\) — fix: npm run deploy/,
        /✘ function image-transfer-planner runs other code than this build .* — fix: npm run deploy/,
        /✘ trigger nightly \(timer\) of image-transfer-planner is missing — fix: npm run deploy/,
        /✘ trigger function-url \(http\) of image-transfer-planner is not as described — fix: npm run deploy/,
        /✘ role SCF_ImageTransferRole lacks cos:GetObject — fix: /,
        /✘ bucket boot-reports-1250000000 does not exist — fix: npm run deploy -- --bootstrap/,
        /✘ secret image-transfer-api-key is not readable: .* — fix: npm run deploy -- --bootstrap/,
        /✘ secret image-transfer-security holds an invalid security file: line 1: registry\.example\.com\.passwd: unknown key .* — fix: /,
        /✘ Function URL .* answered 200 to an unsigned call, not 401 — fix: /,
      ])
        assert.match(broken.out, line);
      assert.match(broken.out, /\n10 of \d+ checks failed/);
    } finally {
      buckets.buckets.set(BUCKET, bucket);
      transfer.status = original.status;
      planner.params.Description = original.description;
      policy.PolicyDocument = original.doc;
      account.functions.set('image-transfer-aggregator', aggregator);
      planner.triggers.set('nightly', timer);
      urlTrigger.TriggerDesc = urlDesc;
      cloud.ssm.secrets.set('image-transfer-api-key', key);
      security.versions.pop();
    }
  });

  it('tdmq-cmq: bootstrap creates the queues and only what is missing; doctor finds a missing dead-letter queue; undeploy --bootstrap removes only what it created', {
    timeout: 120_000,
  }, async () => {
    // the user's own role and bucket exist already: bootstrap attaches its policy and leaves both alone
    cam.roles.set('MyOwnRole', {
      RoleId: '1',
      RoleName: 'MyOwnRole',
      PolicyDocument: JSON.stringify({
        version: '2.0',
        statement: [{ action: 'name/sts:AssumeRole', effect: 'allow', principal: { service: ['scf.qcloud.com'] } }],
      }),
      Description: '',
      Tags: [],
      attached: new Set(),
    });
    buckets.buckets.set('own-bucket-1250000000', { acl: 'private' });
    writeFileSync(
      values('b.yaml'),
      yaml.dump({
        region: 'ap-shanghai',
        prefix: 'it-b',
        role: 'MyOwnRole',
        bucket: { name: 'own-bucket-1250000000' },
        queue: { kind: 'tdmq-cmq' },
        secrets: { security: 'it-b-security', apiKey: 'it-b-api-key' },
      }),
    );
    // a call that fails after the API key is stored: the key was shown all the same, and a re-run finishes the rest
    const createQueue = cloud.handlers['tdmq.CreateCmqQueue']!;
    cloud.handlers['tdmq.CreateCmqQueue'] = () => {
      throw new CloudApiError('LimitExceeded', 'queue quota reached');
    };
    const interrupted = await local('bootstrap', 'b.yaml', { securityFile: values('security.yaml') });
    cloud.handlers['tdmq.CreateCmqQueue'] = createQueue;
    assert.equal(interrupted.code, 1, interrupted.out);
    const bKey = interrupted.out.match(/^API key .*\n([A-Za-z0-9_-]{43})$/m)?.[1];
    assert.equal(bKey, cloud.ssm.secrets.get('it-b-api-key')?.versions[0]?.SecretString);
    const first = await local('bootstrap', 'b.yaml');
    assert.equal(first.code, 0, first.out);
    assert.doesNotMatch(first.out, /CreateRole|PutBucket|CreateSecret|API key/);
    assert.ok(account.queues.has('it-b-tasks') && account.queues.has('it-b-tasks-dlq'));
    assert.equal(account.queues.get('it-b-tasks')!.DeadLetterQueueName, 'it-b-tasks-dlq');
    assert.equal(buckets.buckets.get('own-bucket-1250000000')!.lifecycle, undefined, "the user's bucket keeps its configuration");

    account.queues.delete('it-b-tasks-dlq');
    const check = await local('doctor', 'b.yaml');
    assert.equal(check.code, 1);
    assert.match(check.out, /✔ queue it-b-tasks exists/);
    assert.match(check.out, /✘ queue it-b-tasks-dlq does not exist — fix: npm run deploy/);
    assert.match(check.out, /– Function URL not checked/);
    // a check the deployer may not make is one failed line; the other checks still run
    const getRole = cloud.handlers['cam.GetRole']!;
    cloud.handlers['cam.GetRole'] = () => {
      throw new CloudApiError('AuthFailure.UnauthorizedOperation', 'you are not authorized to perform operation (cam:GetRole)');
    };
    const refused = await local('doctor', 'b.yaml');
    cloud.handlers['cam.GetRole'] = getRole;
    assert.equal(refused.code, 1);
    assert.match(refused.out, /✘ role MyOwnRole: could not check \(AuthFailure\.UnauthorizedOperation: .*\) — fix: give the deployer/);
    assert.match(refused.out, /✔ queue it-b-tasks exists/);

    const removed = await local('unbootstrap', 'b.yaml');
    assert.equal(removed.code, 0, removed.out);
    assert.ok(cam.roles.has('MyOwnRole') && cam.roles.get('MyOwnRole')!.attached.size === 0, 'the policy is detached, the role kept');
    assert.ok(![...cam.policies.values()].some((p) => p.PolicyName === 'it-b-execution'));
    assert.ok(buckets.buckets.has('own-bucket-1250000000'));
    assert.ok(!cloud.ssm.secrets.has('it-b-security') && !cloud.ssm.secrets.has('it-b-api-key'));
    assert.ok(!account.queues.has('it-b-tasks'));
  });

  it('undeploy --bootstrap refuses a bucket with objects without --force, then removes exactly what bootstrap created', { timeout: 60_000 }, async () => {
    const refused = await local('unbootstrap', 'a.yaml');
    assert.equal(refused.code, 1, refused.out);
    assert.match(refused.out, /bucket boot-reports-1250000000 still holds \d+ objects .* --force/);
    assert.ok(cam.roles.has('SCF_ImageTransferRole') && buckets.buckets.has(BUCKET), 'nothing removed');
    const forced = await local('unbootstrap', 'a.yaml', { force: true });
    assert.equal(forced.code, 0, forced.out);
    assert.ok(!cam.roles.has('SCF_ImageTransferRole'));
    assert.equal(cam.policies.size, 0);
    assert.ok(!buckets.buckets.has(BUCKET));
    assert.ok(!cloud.ssm.secrets.has('image-transfer-security'));
    assert.ok(cam.roles.has('MyOwnRole') && buckets.buckets.has('own-bucket-1250000000'), "the user's own role and bucket stay");
    assert.equal(account.functions.size, 3, "the functions are deploy's, not bootstrap's");
  });

  it('never shows the security file or the API key except the key once, at its creation', () => {
    assert.ok(apiKey);
    const all = outputs.join('\n');
    assert.ok(!all.includes(REGISTRY_PASSWORD), 'the security file leaked');
    assert.equal(all.split(apiKey).length - 1, 1, 'the API key is printed exactly once');
  });
});
