/**
 * The copy engine: one image from an ImageSource to an ImageTarget, byte for byte (children by digest,
 * blobs exists -> mount -> stream with on-the-fly verification, the tag last), its referrers, a
 * verification pass, and resumable uploads of big blobs. Works on lib/oci's ports only.
 * May import: lib/oci, lib/util.
 */
export { copyImage, type CopyOptions, type CopyResult } from './copy-image.js';
export { BlobCoordinator, type BlobOutcome, type InPlaceVerdicts } from './blob-coordinator.js';
export { CopyError, type CopyErrorCode, type CopyOp } from './errors.js';
export type { CopyEvent, CopyObserver } from './events.js';
export { checkpointKey, type ResumableOptions } from './resumable.js';
export { verifyImage, type VerifyMismatch, type VerifyOptions, type VerifyResult } from './verify-image.js';
export { copyReferrers, referrerSubjects, type ReferrerRecord, type ReferrersOptions, type ReferrersResult } from './referrers.js';
export type { FallbackIndexRecord } from './referrers-target.js';
export type { ReferrerVia } from './referrers-discover.js';
export { COSIGN_ARTIFACT_TYPES, cosignArtifactTypes, mergeReferrersIndex, selects as selectsArtifactType } from './referrers-select.js';
export { imageCreated } from './image-created.js';
