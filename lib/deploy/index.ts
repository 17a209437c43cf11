/**
 * `npm run deploy`: the deployment description (serverless.ts, zod-checked), the plan of SCF/TDMQ calls
 * that brings the account to it, applying that plan, and the equivalent Terraform.
 * `--bootstrap` creates what a first deploy needs (role, bucket, secrets, queues); `--check` is the doctor.
 * May import: lib/credentials (the doctor validates the stored security file), lib/rules, lib/tencent (and its SDK clients), lib/util.
 */
export { Deployment, environmentOf, names, FUNCTION_ROLES, type DeploymentInput, type FunctionRole } from './schema.js';
export { planDeploy, planUndeploy, NOTHING, type Action, type CurrentState, type FunctionCode } from './plan.js';
export { readState, execute, waitUntilActive, DeployError, type DeployClients, type WaitOptions } from './apply.js';
export { toTerraform } from './terraform.js';
export { resolveDeployment, readCode } from './load.js';
export {
  readBootstrap,
  planBootstrap,
  planUnbootstrap,
  lifecycleRules,
  BootstrapError,
  BOOTSTRAP_TAG,
  type BootstrapAction,
  type BootstrapClients,
  type BootstrapState,
  type BucketApi,
  type Expiry,
} from './bootstrap.js';
export { executeBootstrap, bucketKeys, newApiKey } from './bootstrap-apply.js';
export { runDoctor, checkLine, type Check, type DoctorClients } from './doctor.js';
export { EXECUTION_ACTIONS, DEPLOYER_ACTIONS, executionActions, executionPolicy, executionPolicyName, grantedBy } from './permissions.js';
