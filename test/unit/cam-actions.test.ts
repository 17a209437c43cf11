import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEPLOYER_ACTIONS, EXECUTION_ACTIONS } from '../../lib/deploy/index.js';

// The CAM actions the code needs, derived from the calls it makes, checked against the one list in
// lib/deploy/permissions.ts (the execution role's policy that bootstrap creates and doctor checks) and
// against docs/deploy.md.
// Cloud API 3.0: the CAM action is `<service>:<Action>` for the SDK method of that name, except SCF
// `Invoke`, whose CAM action is `scf:InvokeFunction` (docs 583/47934, 583/18014). COS: the SDK method
// putObject -> `cos:PutObject` etc. (https://cloud.tencent.com/document/product/436/31923). CMQ data plane:
// service `cmqqueue`, actions named after the API (https://www.tencentcloud.com/document/product/406/34255).
const ROOT = join(import.meta.dirname, '..', '..');
const SDK = join(ROOT, 'node_modules', 'tencentcloud-sdk-nodejs', 'tencentcloud', 'services');
const CLIENTS = {
  scf: 'scf/v20180416/scf_client.d.ts',
  tcr: 'tcr/v20190924/tcr_client.d.ts',
  tdmq: 'tdmq/v20200217/tdmq_client.d.ts',
  ssm: 'ssm/v20190923/ssm_client.d.ts',
  cam: 'cam/v20190116/cam_client.d.ts',
};
const CAM_NAME: Record<string, string> = { 'scf:Invoke': 'scf:InvokeFunction' };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function methodsOf(file: string): Set<string> {
  return new Set([...readFileSync(join(SDK, file), 'utf8').matchAll(/^\s+([A-Z][A-Za-z0-9]+)\(req/gm)].map((m) => m[1]!));
}

/** `service:Action` for every cloud call in lib/ and functions/. */
export function actionsUsed(): Set<string> {
  const methods = Object.entries(CLIENTS).map(([svc, file]) => [svc, methodsOf(file)] as const);
  const used = new Set<string>();
  const add = (a: string) => used.add(CAM_NAME[a] ?? a);
  for (const file of [...sources(join(ROOT, 'lib')), ...sources(join(ROOT, 'functions'))]) {
    const text = readFileSync(file, 'utf8');
    // SDK clients: `x.DescribeInstances(...)`; a name that several services share (CreateNamespace: scf and
    // tcr) goes to the service the file is named after, else to each of them
    for (const m of text.matchAll(/\.([A-Z][A-Za-z0-9]+)\(/g)) {
      const owners = methods.filter(([, names]) => names.has(m[1]!)).map(([svc]) => svc);
      const named = owners.filter((svc) => file.includes(svc));
      for (const svc of named.length ? named : owners) add(`${svc}:${m[1]}`);
    }
    // deploy plan entries: { service: 'scf', action: 'CreateFunction' } (service defaults to the nearest one above)
    let service = '';
    for (const m of text.matchAll(/service: '([a-z]+)'|action: '([A-Z][A-Za-z]+)'/g)) {
      if (m[1]) service = m[1];
      else if (service) add(`${service}:${m[2]}`);
    }
    for (const m of text.matchAll(/\.cos\.([a-z][A-Za-z]+)\(/g)) add(`cos:${m[1]![0]!.toUpperCase()}${m[1]!.slice(1)}`);
    // an object written with tags: S3 asks for the tagging action too, and it is granted for COS as well
    if (text.includes("'x-cos-tagging'")) add('cos:PutObjectTagging');
    if (file.endsWith(join('lib', 'queue', 'cmq.ts'))) for (const m of text.matchAll(/'((?:Batch)?(?:Send|Receive|Delete)Message)'/g)) add(`cmqqueue:${m[1]}`);
  }
  return used;
}

/** The list of lib/deploy/permissions.ts; `cam:PassRole` is checked by CAM when a function is given its role, not called. */
const LISTED = new Set<string>([...Object.values(EXECUTION_ACTIONS).flat(), ...Object.values(DEPLOYER_ACTIONS).flat()]);
const NOT_CALLED = new Set(['cam:PassRole']);

describe('CAM permissions: the calls, lib/deploy/permissions.ts and docs/deploy.md agree', () => {
  const docs = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
  const documented = new Set([...docs.matchAll(/`([a-z]+:[A-Z][A-Za-z]+)`/g)].map((m) => m[1]!));

  it('finds the calls it should (the scan itself works)', () => {
    const used = actionsUsed();
    for (const a of [
      'scf:InvokeFunction',
      'ssm:GetSecretValue',
      'ssm:ListSecretVersionIds',
      'tcr:DescribeImagePersonal',
      'cos:DeleteObject',
      'tdmq:CreateCmqQueue',
      'cmqqueue:BatchSendMessage',
      'cam:GetRole',
      'cam:CreateRole',
      'cos:PutBucketLifecycle',
    ])
      assert.ok(used.has(a), `${a} not found by the scan`);
    assert.ok(!used.has('scf:Invoke'));
  });

  it('lists every action the code calls in lib/deploy/permissions.ts', () => {
    const missing = [...actionsUsed()].filter((a) => !LISTED.has(a)).sort();
    assert.deepEqual(missing, [], `lib/deploy/permissions.ts lacks ${missing.join(', ')}`);
  });

  it('lists no action the code never calls (e.g. scf:Invoke)', () => {
    assert.ok(!LISTED.has('scf:Invoke'), 'the CAM action is scf:InvokeFunction');
    const used = actionsUsed();
    const extra = [...LISTED].filter((a) => !used.has(a) && !NOT_CALLED.has(a)).sort();
    assert.deepEqual(extra, [], `lib/deploy/permissions.ts lists actions the code never calls: ${extra.join(', ')}`);
  });

  it('docs/deploy.md shows exactly that list', () => {
    assert.deepEqual([...documented].filter((a) => !LISTED.has(a)).sort(), [], 'docs/deploy.md lists actions lib/deploy/permissions.ts does not');
    assert.deepEqual([...LISTED].filter((a) => !documented.has(a)).sort(), [], 'docs/deploy.md lacks actions of lib/deploy/permissions.ts');
  });
});
