export { Deployment, environmentOf, names, FUNCTION_ROLES, type DeploymentInput, type FunctionRole } from './schema.js';
export { planDeploy, planUndeploy, NOTHING, type Action, type CurrentState, type FunctionCode } from './plan.js';
export { readState, execute, type DeployClients } from './apply.js';
export { toTerraform } from './terraform.js';
export { resolveDeployment, readCode } from './load.js';
