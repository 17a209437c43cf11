import { environmentOf, FUNCTION_ROLES, names, triggersOf, type Deployment } from './schema.js';

/** A nested block (`name { ... }`), as opposed to a map argument (`name = { ... }`). */
interface Nested {
  readonly nested: Array<[string, Value]>;
}
type Value = string | number | boolean | Record<string, string> | Nested;

const isNested = (v: Value): v is Nested => typeof v === 'object' && 'nested' in v && Array.isArray(v.nested);

/** One HCL block with `terraform fmt` layout: two-space indent, `=` aligned within a run of attributes. */
function block(header: string, attrs: Array<[string, Value]>, indent = ''): string {
  const width = Math.max(0, ...attrs.filter(([, v]) => typeof v !== 'object').map(([k]) => k.length));
  const lines = attrs.map(([k, v]) => {
    if (isNested(v)) return block(k, v.nested, `${indent}  `).trimEnd();
    if (typeof v === 'object') {
      const inner = Object.entries(v);
      const w = Math.max(0, ...inner.map(([ik]) => ik.length));
      return `${indent}  ${k} = {\n${inner.map(([ik, iv]) => `${indent}    ${ik.padEnd(w)} = ${JSON.stringify(iv)}`).join('\n')}\n${indent}  }`;
    }
    const literal = typeof v === 'string' && v.startsWith('${ref:') ? v.slice(6, -1) : JSON.stringify(v);
    return `${indent}  ${k.padEnd(width)} = ${literal}`;
  });
  return `${indent}${header} {\n${lines.join('\n')}\n${indent}}\n`;
}

const ref = (expr: string) => `\${ref:${expr}}`;

/**
 * The same deployment as Terraform for the tencentcloud provider: functions (code from the zips next
 * to main.tf), their triggers and the CMQ queues. Secrets are not in it, only their names. Every resource
 * and argument is one the provider declares (test/fixtures/terraform/tencentcloud-schema.json, extracted from
 * its source by scripts/tf-schema-snapshot.mjs, is checked by test/unit/deploy/terraform-schema.test.ts):
 * - triggers are `tencentcloud_scf_trigger` resources, which create them (`tencentcloud_scf_trigger_config`
 *   only updates a trigger that exists);
 * - `enable_public_net = true`: a function in a VPC has no internet access without it, and the workers pull
 *   from public registries;
 * - in scf-async mode the transfer function's async retries and event TTL are
 *   `tencentcloud_scf_function_event_invoke_config` (msg_ttl in seconds, as MsgTTL of UpdateFunctionEventInvokeConfig).
 */
export function toTerraform(d: Deployment): string {
  const n = names(d);
  const out: string[] = [
    'terraform {\n  required_providers {\n    tencentcloud = {\n      source  = "tencentcloudstack/tencentcloud"\n      version = ">= 1.82.0"\n    }\n  }\n}\n',
    block('provider "tencentcloud"', [['region', d.region]]),
  ];
  if (d.queue.kind === 'tdmq-cmq') {
    out.push(
      block('resource "tencentcloud_tcmq_queue" "dead_letter"', [
        ['queue_name', n.deadLetter],
        ['msg_retention_seconds', d.queue.retentionSeconds],
      ]),
    );
    out.push(
      block('resource "tencentcloud_tcmq_queue" "tasks"', [
        ['queue_name', n.queue],
        ['visibility_timeout', d.queue.visibilityTimeout],
        ['msg_retention_seconds', d.queue.retentionSeconds],
        ['policy', 0],
        ['max_receive_count', d.queue.maxReceiveCount],
        ['dead_letter_queue_name', ref('tencentcloud_tcmq_queue.dead_letter.queue_name')],
      ]),
    );
  }
  for (const role of FUNCTION_ROLES) {
    const spec = d.functions[role];
    out.push(
      block(`resource "tencentcloud_scf_function" "${role}"`, [
        ['name', n.fn(role)],
        ['namespace', d.namespace],
        ['handler', 'index.main_handler'],
        ['runtime', d.runtime],
        ['mem_size', spec.memory],
        ['timeout', spec.timeout],
        ['role', d.role],
        ['zip_file', ref(`"\${path.module}/${role}.zip"`)],
        ['enable_public_net', true],
        ...(d.vpc
          ? ([
              ['vpc_id', d.vpc.vpcId],
              ['subnet_id', d.vpc.subnetId],
            ] as Array<[string, Value]>)
          : []),
        ['environment', environmentOf(d)],
      ]),
    );
    if (role === 'transfer' && d.queue.kind === 'scf-async') {
      out.push(
        block('resource "tencentcloud_scf_function_event_invoke_config" "transfer"', [
          ['function_name', ref('tencentcloud_scf_function.transfer.name')],
          ['namespace', d.namespace],
          [
            'async_trigger_config',
            {
              nested: [
                ['retry_config', { nested: [['retry_num', d.queue.retries]] }],
                ['msg_ttl', d.queue.ttlSeconds],
              ],
            },
          ],
        ]),
      );
    }
    for (const t of triggersOf(d, role)) {
      out.push(
        block(`resource "tencentcloud_scf_trigger" "${role}_${t.name.replace(/-/g, '_')}"`, [
          ['function_name', ref(`tencentcloud_scf_function.${role}.name`)],
          ['namespace', d.namespace],
          ['trigger_name', t.name],
          ['type', t.type],
          ['qualifier', '$DEFAULT'],
          ['enable', 'OPEN'],
          [
            'trigger_desc',
            t.type === 'timer' ? t.cron : JSON.stringify({ AuthType: t.auth, NetConfig: { EnableIntranet: t.intranet, EnableExtranet: !t.intranet } }),
          ],
          ...(t.type === 'timer' && t.message ? ([['custom_argument', t.message]] as Array<[string, Value]>) : []),
        ]),
      );
    }
  }
  return out.join('\n');
}
