#!/usr/bin/env node
// Extracts the argument schema of the tencentcloud Terraform provider's resources that `npm run deploy --terraform`
// emits, from a git checkout of github.com/tencentcloudstack/terraform-provider-tencentcloud, into
// test/fixtures/terraform/tencentcloud-schema.json (checked by test/unit/deploy/terraform-schema.test.ts).
// Usage: node scripts/tf-schema-snapshot.mjs <provider git dir> [commit]
// The provider's schemas are gofmt'ed Go literals: an argument opens as `<tabs>"name": {`, its flags
// (Required/Optional/Computed: true, Type: schema.TypeX) sit one tab deeper, nested blocks (Elem: &schema.Resource)
// three tabs deeper.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RESOURCES = {
  tencentcloud_scf_function: 'tencentcloud/services/scf/resource_tc_scf_function.go',
  tencentcloud_scf_trigger: 'tencentcloud/services/scf/resource_tc_scf_trigger.go',
  tencentcloud_scf_trigger_config: 'tencentcloud/services/scf/resource_tc_scf_trigger_config.go',
  tencentcloud_scf_function_event_invoke_config: 'tencentcloud/services/scf/resource_tc_scf_function_event_invoke_config.go',
  tencentcloud_tcmq_queue: 'tencentcloud/services/tcmq/resource_tc_tcmq_queue.go',
};

const [gitDir, commitArg] = process.argv.slice(2);
if (!gitDir) throw new Error('usage: tf-schema-snapshot.mjs <provider git dir> [commit]');
const git = (...args) => execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const commit = git('rev-parse', commitArg ?? 'HEAD').trim();
const version = git('describe', '--tags', commit).trim();

function schemaOf(source) {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => /^\t\tSchema: map\[string\]\*schema\.Schema\{$/.test(l));
  if (start < 0) throw new Error('no top-level Schema map');
  const root = {};
  const stack = []; // { depth, node }
  for (const line of lines.slice(start + 1)) {
    if (/^\t\t\}/.test(line)) break;
    const open = line.match(/^(\t+)"([a-z0-9_]+)": \{$/);
    if (open) {
      const depth = open[1].length;
      while (stack.length && stack.at(-1).depth >= depth) stack.pop();
      const parent = stack.at(-1);
      const node = {};
      if (parent) (parent.node.block ??= {})[open[2]] = node;
      else root[open[2]] = node;
      stack.push({ depth, node });
      continue;
    }
    const flag = line.match(/^(\t+)(Required|Optional|Computed|Type):\s+(true|schema\.Type\w+),?$/);
    if (flag) {
      const owner = stack.findLast((s) => s.depth === flag[1].length - 1);
      if (!owner) continue;
      if (flag[2] === 'Type') owner.node.type = flag[3].replace('schema.Type', '').toLowerCase();
      else owner.node[flag[2].toLowerCase()] = true;
    }
  }
  return root;
}

const resources = Object.fromEntries(Object.entries(RESOURCES).map(([name, path]) => [name, schemaOf(git('show', `${commit}:${path}`))]));
const out = join(import.meta.dirname, '..', 'test', 'fixtures', 'terraform', 'tencentcloud-schema.json');
writeFileSync(
  out,
  `${JSON.stringify({ provider: 'tencentcloudstack/tencentcloud', version, commit, source: 'https://github.com/tencentcloudstack/terraform-provider-tencentcloud', resources }, null, 1)}\n`,
);
console.log(`${out}: ${Object.keys(resources).length} resources of ${version} (${commit})`);
