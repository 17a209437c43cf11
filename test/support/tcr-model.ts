import { randomBytes } from 'node:crypto';
import { CloudApiError, type Tc3Handler, type Tc3Service } from './tc3-server.js';

/** One CCR (personal edition) tag; `pushTime` as the API writes it (`YYYY-MM-DD HH:mm:ss`). */
export interface CcrTag {
  readonly name: string;
  readonly pushTime: string;
}

export interface TcrInstance {
  readonly id: string;
  readonly name: string;
  readonly region: string;
  /** name -> public */
  readonly namespaces: Map<string, boolean>;
  /** `ns/repo` */
  readonly repositories: Set<string>;
}

export interface IssuedToken {
  readonly registryId: string;
  readonly username: string;
  readonly token: string;
  readonly expTime: number;
}

type Params = Record<string, unknown>;

const str = (p: Params, key: string): string | undefined => (typeof p[key] === 'string' ? (p[key] as string) : undefined);
const int = (p: Params, key: string, fallback?: number): number => {
  const v = p[key];
  if (v === undefined) {
    if (fallback === undefined) throw new CloudApiError('MissingParameter', `the parameter ${key} is required`);
    return fallback;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new CloudApiError('InvalidParameterValue', `${key} must be a non-negative integer`);
  return v;
};
const limitOf = (p: Params, fallback: number | undefined): number => {
  const limit = int(p, 'Limit', fallback);
  if (limit < 1 || limit > 100) throw new CloudApiError('InvalidParameterValue', 'Limit must be between 1 and 100');
  return limit;
};
/** Enterprise listings: `Offset` is a page number from 1 (0 reads as the first page). */
const byPage = <T>(items: T[], p: Params): T[] => {
  const limit = limitOf(p, 20);
  const page = Math.max(1, int(p, 'Offset', 1));
  return items.slice((page - 1) * limit, page * limit);
};
/** Personal-edition listings: `Offset` is the index of the first item. */
const byItem = <T>(items: T[], p: Params, defaultLimit?: number): T[] => {
  const limit = limitOf(p, defaultLimit);
  const offset = int(p, 'Offset', defaultLimit === undefined ? undefined : 0);
  return items.slice(offset, offset + limit);
};
const NAME = /^[a-z0-9][a-z0-9._-]{1,29}$/;
const REPO = /^[a-z0-9][a-z0-9._/-]*$/;

/**
 * An in-memory Tencent account for the TCR API (2019-09-24): a CCR personal-edition inventory per
 * region and TCR enterprise instances, served through the personal (`*Personal`) and enterprise
 * actions with their own paging conventions.
 */
export class TcrModel {
  readonly ccr = new Map<string, { namespaces: string[]; repositories: Map<string, CcrTag[]> }>();
  readonly instances: TcrInstance[] = [];
  readonly tokens: IssuedToken[] = [];
  tokenTtlMs = 3_600_000;
  /** Username and password of the next instance token (e.g. an htpasswd user of a local registry). */
  issueToken: () => { username: string; token: string } = () => ({ username: '100012345678', token: `tcr-temp-${randomBytes(12).toString('hex')}` });

  /** A CCR inventory in `region`; repositories are `ns/repo` -> tags in the order the API returns them. */
  setCcr(region: string, inventory: { namespaces: string[]; repositories: Record<string, CcrTag[]> }): void {
    this.ccr.set(region, { namespaces: [...inventory.namespaces], repositories: new Map(Object.entries(inventory.repositories)) });
  }

  addInstance(init: { name: string; region: string; id?: string; namespaces?: string[]; repositories?: string[] }): TcrInstance {
    const instance: TcrInstance = {
      id: init.id ?? `tcr-${init.name.slice(0, 8)}${this.instances.length}`,
      name: init.name,
      region: init.region,
      namespaces: new Map((init.namespaces ?? []).map((n) => [n, false])),
      repositories: new Set(init.repositories ?? []),
    };
    this.instances.push(instance);
    return instance;
  }

  instance(registryId: string | undefined): TcrInstance {
    const found = this.instances.find((i) => i.id === registryId);
    if (!found) throw new CloudApiError('ResourceNotFound', `instance ${registryId} does not exist`);
    return found;
  }

  service(): Tc3Service {
    return { version: '2019-09-24', handlers: { ...this.personalHandlers(), ...this.enterpriseHandlers(), ...this.writeHandlers() } };
  }

  private ccrOf(region: string | undefined): { namespaces: string[]; repositories: Map<string, CcrTag[]> } {
    return this.ccr.get(region ?? '') ?? { namespaces: [], repositories: new Map() };
  }

  private personalHandlers(): Record<string, Tc3Handler> {
    return {
      DescribeNamespacePersonal: (p, meta) => {
        const filter = str(p, 'Namespace');
        if (filter === undefined) throw new CloudApiError('MissingParameter', 'the parameter Namespace is required');
        const all = this.ccrOf(meta.region).namespaces.filter((n) => n.includes(filter));
        const page = byItem(all, p);
        return { Data: { NamespaceCount: all.length, NamespaceInfo: page.map((n) => ({ Namespace: n, CreationTime: '2020-01-01 00:00:00', RepoCount: 0 })) } };
      },
      DescribeRepositoryOwnerPersonal: (p, meta) => {
        const repos = [...this.ccrOf(meta.region).repositories.entries()].filter(([name]) => name.includes(str(p, 'RepoName') ?? ''));
        const page = byItem(repos, p, 20);
        const info = page.map(([name, tags]) => ({
          RepoName: name,
          RepoType: 'private',
          TagCount: tags.length,
          Public: 0,
          CreationTime: '2020-01-01 00:00:00',
          UpdateTime: '2020-01-01 00:00:00',
        }));
        return { Data: { TotalCount: repos.length, RepoInfo: info, Server: 'ccr.ccs.tencentyun.com' } };
      },
      DescribeImagePersonal: (p, meta) => {
        const name = str(p, 'RepoName');
        if (!name) throw new CloudApiError('MissingParameter', 'the parameter RepoName is required');
        const tags = this.ccrOf(meta.region).repositories.get(name);
        if (!tags) throw new CloudApiError('ResourceNotFound.ErrNoRepo', `repository ${name} does not exist`);
        const page = byItem(tags, p, 20);
        const info = page.map((t, i) => ({
          TagName: t.name,
          TagId: `sha256:${i}`,
          CreationTime: t.pushTime,
          UpdateTime: t.pushTime,
          PushTime: t.pushTime,
          Kind: 'image',
        }));
        return { Data: { TagCount: tags.length, TagInfo: info, Server: 'ccr.ccs.tencentyun.com', RepoName: name } };
      },
    };
  }

  private enterpriseHandlers(): Record<string, Tc3Handler> {
    return {
      DescribeInstances: (p, meta) => {
        const filters = (p.Filters ?? []) as Array<{ Name?: string; Values?: string[] }>;
        const names = filters.find((f) => f.Name === 'RegistryName')?.Values ?? [];
        const found = this.instances
          .filter((i) => p.AllRegion === true || i.region === meta.region)
          .filter((i) => names.length === 0 || names.some((n) => i.name.includes(n)));
        const page = byItem(found, p, 20);
        const registries = page.map((i) => ({
          RegistryId: i.id,
          RegistryName: i.name,
          RegistryType: 'standard',
          Status: 'Running',
          PublicDomain: `${i.name}.tencentcloudcr.com`,
          RegionName: i.region,
        }));
        return { TotalCount: found.length, Registries: registries };
      },
      DescribeNamespaces: (p) => {
        const instance = this.instance(str(p, 'RegistryId'));
        const only = str(p, 'NamespaceName');
        const all = [...instance.namespaces.entries()].filter(([n]) => only === undefined || n === only);
        return {
          TotalCount: all.length,
          NamespaceList: byPage(all, p).map(([n, pub], i) => ({ Name: n, Public: pub, NamespaceId: i + 1, CreationTime: '2024-01-01 00:00:00 +0800 CST' })),
        };
      },
      DescribeRepositories: (p) => {
        const instance = this.instance(str(p, 'RegistryId'));
        const ns = str(p, 'NamespaceName');
        const all = [...instance.repositories].filter((r) => ns === undefined || r.startsWith(`${ns}/`)).sort();
        const list = byPage(all, p).map((r) => ({ Name: r, Namespace: r.split('/')[0], Public: false, CreationTime: '2024-01-01 00:00:00 +0800 CST' }));
        return { TotalCount: all.length, RepositoryList: list };
      },
    };
  }

  private writeHandlers(): Record<string, Tc3Handler> {
    return {
      CreateNamespace: (p) => {
        const instance = this.instance(str(p, 'RegistryId'));
        const name = str(p, 'NamespaceName') ?? '';
        if (typeof p.IsPublic !== 'boolean') throw new CloudApiError('MissingParameter', 'the parameter IsPublic is required');
        if (!NAME.test(name)) throw new CloudApiError('InvalidParameter', `invalid namespace name ${name}`);
        if (instance.namespaces.has(name)) throw new CloudApiError('InvalidParameter.ErrNamespaceExist', `namespace ${name} already exists`);
        instance.namespaces.set(name, p.IsPublic);
        return {};
      },
      CreateRepository: (p) => {
        const instance = this.instance(str(p, 'RegistryId'));
        const ns = str(p, 'NamespaceName') ?? '';
        const repo = str(p, 'RepositoryName') ?? '';
        if (!REPO.test(repo)) throw new CloudApiError('InvalidParameter', `invalid repository name ${repo}`);
        if (!instance.namespaces.has(ns)) throw new CloudApiError('ResourceNotFound.ErrNoNamespace', `namespace ${ns} does not exist`);
        if (instance.repositories.has(`${ns}/${repo}`)) throw new CloudApiError('InvalidParameter.ErrRepoExist', `repository ${ns}/${repo} already exists`);
        instance.repositories.add(`${ns}/${repo}`);
        return {};
      },
      CreateInstanceToken: (p) => {
        const instance = this.instance(str(p, 'RegistryId'));
        const { username, token } = this.issueToken();
        const issued = { registryId: instance.id, username, token, expTime: Date.now() + this.tokenTtlMs };
        this.tokens.push(issued);
        return { Username: username, Token: token, ExpTime: issued.expTime };
      },
    };
  }
}

/** `count` tags `<prefix>0..` pushed one minute apart from `start`, listed in a scrambled order. */
export function scrambledTags(count: number, start = Date.UTC(2024, 0, 1), prefix = 'v'): CcrTag[] {
  const tags = Array.from({ length: count }, (_, i) => ({ name: `${prefix}${i}`, pushTime: formatTime(start + i * 60_000) }));
  return tags
    .map((t, i) => ({ t, k: (i * 7919) % count }))
    .sort((a, b) => a.k - b.k)
    .map((x) => x.t);
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}
