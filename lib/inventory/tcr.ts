import pLimit from 'p-limit';
import { apiCodeOf } from '../tencent/index.js';
import type { TcrApi } from './api.js';
import { InventoryError, messageOf } from './errors.js';
import { listByPageNumber } from './paging.js';

export interface TcrInstance {
  readonly registryId: string;
  readonly name: string;
  readonly region: string;
  readonly status?: string;
  readonly publicDomain?: string;
}

/**
 * The enterprise instance named `name` in the client's region (`DescribeInstances` filtered by
 * RegistryName, then an exact name match). Not found is a clear error, naming the region the
 * instance is in when another region has it.
 */
export async function resolveTcrInstance(api: TcrApi, name: string, region: string): Promise<TcrInstance> {
  const filter = [{ Name: 'RegistryName', Values: [name] }];
  const r = await api.DescribeInstances({ Filters: filter, Offset: 0, Limit: 100 }).catch((err: unknown) => {
    throw new InventoryError('TCR_LIST_FAILED', `cannot look up TCR instance "${name}" in ${region}: ${messageOf(err)}`, { cause: err });
  });
  const found = (r.Registries ?? []).find((x) => x.RegistryName === name && x.RegistryId);
  if (found) {
    return {
      registryId: found.RegistryId!,
      name,
      region: found.RegionName || region,
      ...(found.Status ? { status: found.Status } : {}),
      ...(found.PublicDomain ? { publicDomain: found.PublicDomain } : {}),
    };
  }
  const elsewhere = await api
    .DescribeInstances({ Filters: filter, Offset: 0, Limit: 100, AllRegion: true })
    .then((all) => (all.Registries ?? []).find((x) => x.RegistryName === name)?.RegionName)
    .catch(() => undefined);
  const hint =
    elsewhere && elsewhere !== region ? `; an instance with this name is in ${elsewhere} (use --tcrRegion ${elsewhere})` : ' (check --tcrName and --tcrRegion)';
  throw new InventoryError('TCR_INSTANCE_NOT_FOUND', `TCR instance "${name}" not found in region ${region}${hint}`);
}

/** Namespace names of the instance. */
export async function listTcrNamespaces(api: TcrApi, registryId: string, signal?: AbortSignal): Promise<Set<string>> {
  const names = await failAs('namespaces (DescribeNamespaces)', () =>
    listByPageNumber(
      'TCR_LIST_FAILED',
      async (page, limit) => {
        const r = await api.DescribeNamespaces({ RegistryId: registryId, Offset: page, Limit: limit });
        return { total: r.TotalCount ?? 0, items: (r.NamespaceList ?? []).map((n) => n.Name ?? '').filter(Boolean) };
      },
      signal,
    ),
  );
  return new Set(names);
}

/** Repository names (`ns/repo`) of the instance, in every namespace. */
export async function listTcrRepositories(api: TcrApi, registryId: string, signal?: AbortSignal): Promise<Set<string>> {
  const names = await failAs('repositories (DescribeRepositories)', () =>
    listByPageNumber(
      'TCR_LIST_FAILED',
      async (page, limit) => {
        const r = await api.DescribeRepositories({ RegistryId: registryId, Offset: page, Limit: limit });
        return { total: r.TotalCount ?? 0, items: (r.RepositoryList ?? []).map((x) => fullName(x.Namespace, x.Name)).filter(Boolean) };
      },
      signal,
    ),
  );
  return new Set(names);
}

/** `ns/repo`, whether the API's Name carries the namespace or not. */
function fullName(namespace: string | undefined, name: string | undefined): string {
  if (!name) return '';
  if (!namespace || name.startsWith(`${namespace}/`)) return name;
  return `${namespace}/${name}`;
}

/** Error codes that mean "it is there already": creation is then a success. */
const EXISTS_CODES = new Set([
  'InvalidParameter.ErrNamespaceExist',
  'InvalidParameter.ErrRepoExist',
  'InternalError.ErrorConflict',
  'InternalError.ErrConflict',
  'InternalError.ErrorTcrResourceConflict',
  'FailedOperation.ErrorTcrResourceConflict',
  'ResourceInUse',
]);

export function isAlreadyExists(err: unknown): boolean {
  return EXISTS_CODES.has(apiCodeOf(err));
}

export interface Creation {
  readonly created: string[];
  readonly existed: string[];
  readonly failures: Array<{ name: string; message: string }>;
}

/** Creates namespaces, always private (as the original and Harbor do); "already exists" is success. */
export function createTcrNamespaces(api: TcrApi, registryId: string, names: readonly string[], concurrency = 5): Promise<Creation> {
  return createAll(names, concurrency, (name) => api.CreateNamespace({ RegistryId: registryId, NamespaceName: name, IsPublic: false }));
}

/** Creates repositories (`ns/repo`) in existing namespaces; "already exists" is success. */
export function createTcrRepositories(api: TcrApi, registryId: string, names: readonly string[], concurrency = 5): Promise<Creation> {
  return createAll(names, concurrency, (name) => {
    const slash = name.indexOf('/');
    return api.CreateRepository({ RegistryId: registryId, NamespaceName: name.slice(0, slash), RepositoryName: name.slice(slash + 1) });
  });
}

async function createAll(names: readonly string[], concurrency: number, create: (name: string) => Promise<unknown>): Promise<Creation> {
  const limit = pLimit(Math.max(1, concurrency));
  const out: { created: string[]; existed: string[]; failures: Creation['failures'] } = { created: [], existed: [], failures: [] };
  await Promise.all(
    names.map((name) =>
      limit(async () => {
        try {
          await create(name);
          out.created.push(name);
        } catch (err) {
          if (isAlreadyExists(err)) out.existed.push(name);
          else out.failures.push({ name, message: messageOf(err) });
        }
      }),
    ),
  );
  return { created: out.created.sort(), existed: out.existed.sort(), failures: out.failures.sort((a, b) => a.name.localeCompare(b.name)) };
}

async function failAs<T>(what: string, list: () => Promise<T>): Promise<T> {
  try {
    return await list();
  } catch (err) {
    if (err instanceof InventoryError || (err as Error)?.name === 'AbortError') throw err;
    throw new InventoryError('TCR_LIST_FAILED', `cannot list TCR ${what}: ${messageOf(err)}`, { cause: err });
  }
}
