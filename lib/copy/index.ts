export { copyImage, type CopyOptions, type CopyResult } from './copy-image.js';
export { BlobCoordinator, type BlobOutcome } from './blob-transfer.js';
export { CopyError, type CopyErrorCode, type CopyOp } from './errors.js';
export type { CopyEvent, CopyObserver } from './events.js';
export { checkpointKey, type ResumableOptions } from './resumable.js';
