import type { TcrClient } from '../tencent/sdk.js';

/** The personal-edition ("CCR") actions the inventory calls, on a client in the CCR region. */
export type CcrApi = Pick<TcrClient, 'DescribeNamespacePersonal' | 'DescribeRepositoryOwnerPersonal' | 'DescribeImagePersonal'>;

/** The enterprise actions the TCR preparation calls, on a client in the TCR region. */
export type TcrApi = Pick<
  TcrClient,
  'DescribeInstances' | 'DescribeNamespaces' | 'DescribeRepositories' | 'CreateNamespace' | 'CreateRepository' | 'CreateInstanceToken'
>;
