/**
 * `npm run deploy`: the deployment description (serverless.ts, zod-checked), the plan of SCF/TDMQ calls
 * that brings the account to it, applying that plan, and the equivalent Terraform.
 * May import: lib/rules, lib/tencent (and its SDK clients), lib/util.
 */
export { Deployment, environmentOf, names, FUNCTION_ROLES, type DeploymentInput, type FunctionRole } from './schema.js';
export { planDeploy, planUndeploy, NOTHING, type Action, type CurrentState, type FunctionCode } from './plan.js';
export { readState, execute, waitUntilActive, DeployError, type DeployClients, type WaitOptions } from './apply.js';
export { toTerraform } from './terraform.js';
export { resolveDeployment, readCode } from './load.js';
