import { copyReferrers, referrerSubjects, type BlobCoordinator, type CopyObserver, type CopyResult } from '../../copy/index.js';
import type { ImageSource, ImageTarget } from '../../oci/index.js';
import type { TransferTask } from '../../planner/index.js';
import type { Referrers } from '../../report/index.js';

/**
 * Copies what is attached to the image just copied (or found up to date): the subjects are read from
 * the target, so with a platform subset only the kept images' attachments follow. Nothing for a rule
 * without `referrers` or a tag left on another image (`tag-exists`). A failure throws like a copy.
 */
export async function referrersStep(
  task: TransferTask,
  deps: { readonly coordinator: BlobCoordinator; readonly blobConcurrency: number },
  source: ImageSource,
  target: ImageTarget & Pick<ImageSource, 'fetchManifest'>,
  copy: CopyResult,
  observer: CopyObserver,
  signal?: AbortSignal,
): Promise<Referrers | undefined> {
  if (!task.referrers || copy.reason === 'tag-exists') return undefined;
  const subjects = await referrerSubjects(target, copy.digest, { signal });
  const found = await copyReferrers(source, target, subjects, {
    coordinator: deps.coordinator,
    blobConcurrency: deps.blobConcurrency,
    observer,
    ...(signal ? { signal } : {}),
    ...(task.referrers.artifactTypes ? { artifactTypes: task.referrers.artifactTypes } : {}),
  });
  const items = found.referrers.map((r) => ({
    subject: r.subject,
    digest: r.digest,
    via: r.via,
    status: r.status,
    ...(r.artifactType ? { artifactType: r.artifactType } : {}),
    ...(r.tag ? { tag: r.tag } : {}),
  }));
  const count = (status: Referrers['items'][number]['status']) => items.filter((i) => i.status === status).length;
  return { copied: count('copied'), present: count('present'), missing: count('missing'), items };
}
