import pLimit from 'p-limit';
import { INDEX_TYPES, manifestBlobs, parseManifest, platformOf, type ImageSource, type ImageTarget, type Manifest } from '../../oci/index.js';
import { formatEndpoint, type TransferTask } from '../../planner/index.js';

export interface EstimateDeps {
  repository(registry: string, repository: string): ImageSource & ImageTarget;
}

/**
 * `heads`: HEAD requests only (free on Docker Hub): which images need copying, so a lower bound of the
 * pulls; no bytes. `full`: also GETs the manifests of those images (the pulls the run will make,
 * spent once by the estimate itself) and HEADs their blobs at the target, for the bytes after dedup.
 */
export type EstimateMode = 'heads' | 'full';

export interface SourceEstimate {
  readonly registry: string;
  readonly images: number;
  /** At the target with the source's digest already (or a kept tag): no pull, no bytes. */
  readonly upToDate: number;
  readonly toCopy: number;
  /** Manifest GETs the run will make (Docker Hub's pulls). */
  pulls: number;
  /** False when an index's children could not be counted (`heads` mode): `pulls` is then a lower bound. */
  pullsExact: boolean;
  /** `full` mode: manifest GETs the estimate itself spent on this registry. */
  estimatePulls: number;
  /** `full` mode: unique blobs the run moves from this registry, mounts inside the target registry, and blobs already there. */
  bytes?: { moved: number; mounted: number; present: number };
  blobs?: { moved: number; mounted: number; present: number };
}

export interface PlanEstimate {
  readonly mode: EstimateMode;
  readonly sources: SourceEstimate[];
  readonly failures: Array<{ readonly task: string; readonly message: string }>;
}

/** Per target registry: `digest` and `repository@digest` of blobs there or arriving in this run. */
type Known = Map<string, Set<string>>;

/**
 * What a run of `tasks` will cost each source registry, following the engine's rules: equal digests by
 * HEAD cost nothing; otherwise one GET per manifest (index children already at the target excepted);
 * a blob moves once per target registry and is mounted into its other repositories.
 */
export async function estimatePlan(
  deps: EstimateDeps,
  tasks: readonly TransferTask[],
  mode: EstimateMode,
  options: { concurrency?: number; signal?: AbortSignal } = {},
): Promise<PlanEstimate> {
  const sources = new Map<string, SourceEstimate>();
  const failures: PlanEstimate['failures'] = [];
  const known: Known = new Map();
  const limit = pLimit(Math.max(1, options.concurrency ?? 8));
  const heads = await Promise.all(tasks.map((task) => limit(() => headBoth(deps, task, options.signal).catch((err: unknown) => err as Error))));
  for (const [i, task] of tasks.entries()) {
    const s = sourceOf(sources, task.source.registry, mode);
    (s as { images: number }).images += 1;
    const head = heads[i]!;
    if (head instanceof Error || !head.source) {
      failures.push({ task: formatEndpoint(task.source), message: head instanceof Error ? head.message : 'source image not found' });
      continue;
    }
    const upToDate =
      head.target !== undefined && ((head.target === head.source.digest && task.overwrite !== 'always' && !task.platforms) || task.overwrite === 'never');
    if (upToDate) {
      (s as { upToDate: number }).upToDate += 1;
      continue;
    }
    (s as { toCopy: number }).toCopy += 1;
    s.pulls += 1;
    if (mode === 'heads') {
      if (INDEX_TYPES.includes(head.source.mediaType)) s.pullsExact = false;
      continue;
    }
    // sequential from here: the order decides which image moves a shared blob and which mounts it
    await walk(deps, task, head.source.digest, s, known, options.signal).catch((err: unknown) =>
      failures.push({ task: formatEndpoint(task.source), message: (err as Error).message }),
    );
  }
  return { mode, sources: [...sources.values()].sort((a, b) => a.registry.localeCompare(b.registry)), failures };
}

async function headBoth(deps: EstimateDeps, task: TransferTask, signal?: AbortSignal) {
  const [source, target] = await Promise.all([
    deps.repository(task.source.registry, task.source.repository).resolve(task.source.reference, { signal }),
    deps.repository(task.target.registry, task.target.repository).resolve(task.target.reference, { signal }),
  ]);
  return { source, target: target?.digest };
}

function sourceOf(sources: Map<string, SourceEstimate>, registry: string, mode: EstimateMode): SourceEstimate {
  let s = sources.get(registry);
  if (!s) {
    const zero = { moved: 0, mounted: 0, present: 0 };
    s = {
      registry,
      images: 0,
      upToDate: 0,
      toCopy: 0,
      pulls: 0,
      pullsExact: true,
      estimatePulls: 0,
      ...(mode === 'full' ? { bytes: { ...zero }, blobs: { ...zero } } : {}),
    };
    sources.set(registry, s);
  }
  return s;
}

/** GETs the root (already counted) and the children the target lacks; classifies every blob. */
async function walk(deps: EstimateDeps, task: TransferTask, digest: string, s: SourceEstimate, known: Known, signal?: AbortSignal): Promise<void> {
  const source = deps.repository(task.source.registry, task.source.repository);
  const target = deps.repository(task.target.registry, task.target.repository);
  const get = async (ref: string): Promise<Manifest> => {
    s.estimatePulls += 1;
    const raw = await source.fetchManifest(ref, { signal });
    return parseManifest(raw.bytes, raw.mediaType);
  };
  const root = await get(digest);
  const images: Manifest[] = [];
  if (root.kind === 'index') {
    const wanted = root.manifests.filter((m) => !task.platforms || task.platforms.includes(platformOf(m) ?? ''));
    for (const child of wanted) {
      if ((await target.resolve(child.digest, { signal })) && task.overwrite !== 'always') continue;
      s.pulls += 1;
      images.push(await get(child.digest));
    }
  } else images.push(root);
  const registry = known.get(task.target.registry) ?? new Set<string>();
  known.set(task.target.registry, registry);
  for (const blob of images.flatMap(manifestBlobs)) {
    const inRepo = `${task.target.repository}@${blob.digest}`;
    // already counted for this repository in this run: a shared layer costs once
    if (registry.has(inRepo)) continue;
    const kind = (await target.hasBlob(blob.digest, { signal })) ? 'present' : registry.has(blob.digest) ? 'mounted' : 'moved';
    registry.add(inRepo);
    registry.add(blob.digest);
    s.bytes![kind] += Math.max(0, blob.size);
    s.blobs![kind] += 1;
  }
}
