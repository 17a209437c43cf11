import type { RetryEvent } from '../registry/index.js';
import { formatDuration } from '../report/index.js';

/** The announcement of a registry request's retry, one wording for the local run and `serve`. */
export const retryLine = (e: RetryEvent): string =>
  `${e.registry}: attempt ${e.attempt} of ${e.attempts} failed, next try in ${formatDuration(e.delayMs)}: ${e.reason}`;
