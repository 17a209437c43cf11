// npm run deploy [-- --config values.yaml] [--dry-run] [--terraform out/]   |   npm run undeploy [-- --config values.yaml]
// npm run deploy -- --bootstrap [--security-file f] [--expire-days N] [--dry-run]   |   npm run undeploy -- --bootstrap [--force]
// npm run deploy -- --check [--url <function-url>]   (the doctor: read-only, exit 1 when a check fails)
// Applies serverless.ts through the SCF and TDMQ APIs (idempotent: a second run with no change makes no
// mutating call). Credentials: TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY (/ TENCENTCLOUD_SESSION_TOKEN).
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pkg from '../package.json' with { type: 'json' };
import { description } from '../serverless.js';
import { execute, planDeploy, planUndeploy, readCode, readState, resolveDeployment, toTerraform, FUNCTION_ROLES, type Action } from '../lib/deploy/index.js';
import { tdmqClient, scfClient } from '../lib/tencent/clients.js';
import { scfRoleCredential } from '../lib/tencent/cloud-credential.js';
import { apiCodeOf } from '../lib/tencent/index.js';
import { ConfigError } from '../lib/rules/index.js';
import { bootstrap, doctor, unbootstrap } from './deploy-bootstrap.js';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    terraform: { type: 'string' },
    undeploy: { type: 'boolean', default: false },
    bootstrap: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    'security-file': { type: 'string' },
    'expire-days': { type: 'string', default: '7' },
    force: { type: 'boolean', default: false },
    url: { type: 'string' },
  },
});
const show = (a: Action) =>
  console.log(`  ${a.service}.${a.action.padEnd(32)} ${String(a.params.FunctionName ?? a.params.QueueName ?? '').padEnd(28)} ${a.why}`);

try {
  const d = await resolveDeployment(description, values.config);
  const expireDays = Number(values['expire-days']);
  if (!Number.isInteger(expireDays) || expireDays < 1 || expireDays > 3650)
    throw new ConfigError([{ file: '--expire-days', message: `expected a whole number of days from 1 to 3650, got ${values['expire-days']}` }]);
  const flags = {
    dryRun: values['dry-run'],
    force: values.force,
    expireDays,
    ...(values['security-file'] ? { securityFile: values['security-file'] } : {}),
    ...(values.url ? { url: values.url } : {}),
  };
  if (values.check) process.exitCode = await doctor(d, flags);
  else if (values.bootstrap) await (values.undeploy ? unbootstrap(d, flags) : bootstrap(d, flags));
  else if (values.terraform) {
    mkdirSync(values.terraform, { recursive: true });
    writeFileSync(join(values.terraform, 'main.tf'), toTerraform(d));
    for (const role of FUNCTION_ROLES) copyFileSync(`dist/functions/${role}.zip`, join(values.terraform, `${role}.zip`));
    console.log(`wrote ${join(values.terraform, 'main.tf')} and the function zips`);
  } else if (values['dry-run']) {
    const plan = values.undeploy
      ? planUndeploy(d, { functions: { planner: {} as never, transfer: {} as never, aggregator: {} as never }, triggers: {}, queues: {} })
      : planDeploy(d, readCode(), pkg.version);
    console.log(`plan for a first ${values.undeploy ? 'undeploy' : 'deploy'} of ${d.prefix} in ${d.region} (no network access):`);
    plan.forEach(show);
  } else {
    const credential = scfRoleCredential(process.env);
    const endpoint = { region: d.region, ...(process.env.IT_CLOUD_PROXY ? { proxy: process.env.IT_CLOUD_PROXY } : {}) };
    const clients = { scf: scfClient(credential, endpoint), tdmq: tdmqClient(credential, endpoint) };
    const current = await readState(d, clients);
    const plan = values.undeploy ? planUndeploy(d, current) : planDeploy(d, readCode(), pkg.version, current);
    console.log(
      plan.length ? `${values.undeploy ? 'undeploying' : 'deploying'} ${d.prefix} in ${d.region}:` : 'nothing to do: the cloud matches the description',
    );
    await execute(plan, clients, show);
  }
} catch (err) {
  const e = err as { code?: string; message?: string };
  // a cloud API call that was refused: its code (FailedOperation.UpdateFunctionCode, ...) says more than its message
  const apiCode = /^[A-Z][a-z]/.test(apiCodeOf(err)) ? apiCodeOf(err) : '';
  console.error(`deploy: ${apiCode && !e.message?.includes(apiCode) ? `${apiCode}: ` : ''}${e.message ?? String(err)}`);
  process.exitCode = e.code === 'CONFIG_INVALID' ? 2 : 1;
}
