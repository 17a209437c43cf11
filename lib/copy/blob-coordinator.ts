import type { BlobMounter, ImageTarget } from '../oci/index.js';

export type BlobOutcome = 'skipped' | 'mounted' | 'copied';

export interface InFlight {
  readonly repository: string;
  readonly done: Promise<BlobOutcome>;
}

/**
 * Each registry's answer to a mount into a repository itself (BlobCoordinator.learnInPlace): a trait of
 * the registry, so it may outlive one coordinator (a warm function instance runs one coordinator per image).
 */
export type InPlaceVerdicts = Map<string, boolean | 'asking'>;

/**
 * Run-wide blob bookkeeping shared by every image of one run:
 * - a blob already being pushed to the same repository is awaited, not pushed twice;
 * - a blob pushed (or seen) in another repository of the same registry is mounted, not re-uploaded;
 * - a blob being pushed to another repository of that registry is awaited, then mounted.
 */
export class BlobCoordinator {
  private readonly known = new Map<string, Set<string>>();
  private readonly inflight = new Map<string, InFlight[]>();

  constructor(private readonly inPlaceVerdicts: InPlaceVerdicts = new Map()) {}

  /** Records that `registry/repository` holds `digest`. */
  remember(registry: string, repository: string, digest: string): void {
    const key = `${registry}@${digest}`;
    let set = this.known.get(key);
    if (!set) this.known.set(key, (set = new Set()));
    set.add(repository);
  }

  mountCandidates(registry: string, repository: string, digest: string): string[] {
    return [...(this.known.get(`${registry}@${digest}`) ?? [])].filter((r) => r !== repository);
  }

  /**
   * Whether `registry` answers a mount from a repository into itself as a HEAD would (201 when the
   * repository holds the blob, else an upload session): then the upload's start is the presence check.
   */
  inPlace(registry: string): boolean {
    return this.inPlaceVerdicts.get(registry) === true;
  }

  /**
   * Learns `inPlace` once per registry, from a blob `target`'s repository is known to hold: its mount
   * into the repository itself must answer 201. A registry that answers otherwise, or fails, keeps the
   * HEAD for the run (an upload started on it could not tell a blob already there).
   */
  learnInPlace(target: ImageTarget & BlobMounter, digest: string, signal?: AbortSignal): void {
    if (this.inPlaceVerdicts.has(target.registry)) return;
    this.inPlaceVerdicts.set(target.registry, 'asking');
    target.mountBlob(digest, target.repository, { signal }).then(
      (mounted) => this.inPlaceVerdicts.set(target.registry, mounted),
      // an image called off took its question with it: a later blob asks again
      () => (signal?.aborted ? this.inPlaceVerdicts.delete(target.registry) : this.inPlaceVerdicts.set(target.registry, false)),
    );
  }

  inFlight(registry: string, digest: string): readonly InFlight[] {
    return this.inflight.get(`${registry}@${digest}`) ?? [];
  }

  track(registry: string, digest: string, entry: InFlight): void {
    const key = `${registry}@${digest}`;
    const list = [...(this.inflight.get(key) ?? []), entry];
    this.inflight.set(key, list);
    const clear = (): void => {
      const rest = (this.inflight.get(key) ?? []).filter((e) => e !== entry);
      if (rest.length) this.inflight.set(key, rest);
      else this.inflight.delete(key);
    };
    entry.done.then(clear, clear);
  }
}
