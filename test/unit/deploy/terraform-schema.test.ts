import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from '@cdktf/hcl2json';
import { Deployment, toTerraform } from '../../../lib/deploy/index.js';
import { description } from '../../../serverless.js';

/**
 * The tencentcloud provider's argument schema of the resources we emit, extracted from its Go source at one
 * commit (`node scripts/tf-schema-snapshot.mjs <provider git dir> [commit]`; the fixture names the version and
 * commit). Terraform refuses an unknown resource type or argument at `terraform plan`, so every one we write
 * must be declared there, and every required one present.
 */
interface Arg {
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly type?: string;
  readonly block?: Record<string, Arg>;
}
const SNAPSHOT = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'terraform', 'tencentcloud-schema.json'), 'utf8')) as {
  version: string;
  commit: string;
  resources: Record<string, Record<string, Arg>>;
};

/** Problems of one resource body (hcl2json: a nested block is an array of bodies, a map argument an object). */
function check(where: string, body: Record<string, unknown>, schema: Record<string, Arg>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(body)) {
    const arg = schema[name];
    if (!arg) problems.push(`${where}.${name} is not an argument of the provider`);
    else if (!arg.required && !arg.optional) problems.push(`${where}.${name} is computed only: it cannot be set`);
    else if (arg.block) for (const inner of value as Array<Record<string, unknown>>) problems.push(...check(`${where}.${name}`, inner, arg.block));
  }
  for (const [name, arg] of Object.entries(schema)) if (arg.required && !(name in body)) problems.push(`${where}.${name} is required`);
  return problems;
}

async function problemsOf(hcl: string): Promise<{ problems: string[]; types: string[] }> {
  const json = (await parse('main.tf', hcl)) as { resource: Record<string, Record<string, Array<Record<string, unknown>>>> };
  const problems: string[] = [];
  for (const [type, byName] of Object.entries(json.resource)) {
    const schema = SNAPSHOT.resources[type];
    if (!schema) {
      problems.push(`${type} is not in the schema snapshot`);
      continue;
    }
    for (const [name, bodies] of Object.entries(byName)) for (const body of bodies) problems.push(...check(`${type}.${name}`, body, schema));
  }
  return { problems, types: Object.keys(json.resource).sort() };
}

describe(`Terraform output against the tencentcloud provider's schema (${SNAPSHOT.version})`, () => {
  it('the snapshot is of a released provider, with the resources we emit', () => {
    assert.match(SNAPSHOT.version, /^v1\.\d+\.\d+/);
    assert.match(SNAPSHOT.commit, /^[0-9a-f]{40}$/);
    assert.ok(SNAPSHOT.resources.tencentcloud_scf_trigger?.trigger_desc, 'the snapshot has the trigger resource');
  });

  it('TDMQ-CMQ mode in a VPC: functions with public network access, triggers that create, queues', async () => {
    const d = Deployment.parse({ ...description, vpc: { vpcId: 'vpc-1', subnetId: 'subnet-1' }, queue: { kind: 'tdmq-cmq' } });
    const { problems, types } = await problemsOf(toTerraform(d));
    assert.deepEqual(problems, []);
    assert.deepEqual(types, ['tencentcloud_scf_function', 'tencentcloud_scf_trigger', 'tencentcloud_tcmq_queue']);
    const json = (await parse('main.tf', toTerraform(d))) as { resource: Record<string, Record<string, Array<Record<string, unknown>>>> };
    for (const [name, [fn]] of Object.entries(json.resource.tencentcloud_scf_function!)) assert.equal(fn!.enable_public_net, true, name);
  });

  it('SCF async mode: the async retry configuration is exported', async () => {
    const d = Deployment.parse({ ...description, queue: { kind: 'scf-async', retries: 1, ttlSeconds: 3600 } });
    const hcl = toTerraform(d);
    const { problems, types } = await problemsOf(hcl);
    assert.deepEqual(problems, []);
    assert.ok(types.includes('tencentcloud_scf_function_event_invoke_config'));
    const json = (await parse('main.tf', hcl)) as { resource: Record<string, Record<string, Array<Record<string, unknown>>>> };
    const config = json.resource.tencentcloud_scf_function_event_invoke_config!.transfer![0]!;
    assert.deepEqual(config.async_trigger_config, [{ retry_config: [{ retry_num: 1 }], msg_ttl: 3600 }]);
  });

  it('finds what the provider would refuse', async () => {
    const bad =
      'resource "tencentcloud_scf_trigger_config" "x" {\n  function_name = "f"\n  type = "timer"\n  trigger_desc = "0 * * * * * *"\n}\nresource "tencentcloud_scf_function" "f" {\n  name = "f"\n  public_net = true\n}\n';
    assert.deepEqual((await problemsOf(bad)).problems.sort(), [
      'tencentcloud_scf_function.f.public_net is not an argument of the provider',
      'tencentcloud_scf_trigger_config.x.trigger_name is required',
    ]);
  });
});
