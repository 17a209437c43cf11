/**
 * What exists where, on Tencent's registries: the CCR personal edition's namespaces, repositories and
 * tags, TCR instances, namespaces and repositories (created when missing) and TCR instance logins.
 * May import: lib/registry (credential types), lib/tencent (and its SDK clients), lib/util.
 */
export type { CcrApi, TcrApi } from './api.js';
export { InventoryError, type InventoryErrorCode } from './errors.js';
export { CCR_REGION_PREFIX, ccrHost, ccrHostForRegion, tcrHost } from './hosts.js';
export { listCcrInventory, newestFirst, timeOf, type CcrInventory, type CcrInventoryOptions, type CcrRepository } from './ccr.js';
export {
  resolveTcrInstance,
  listTcrNamespaces,
  listTcrRepositories,
  createTcrNamespaces,
  createTcrRepositories,
  isAlreadyExists,
  type Creation,
  type TcrInstance,
} from './tcr.js';
export { instanceTokenLogin, type InstanceLogin, type InstanceLoginOptions } from './tcr-token.js';
