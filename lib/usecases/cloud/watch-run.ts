import { CodedError } from '../../util/errors.js';
import { MAX_STATUS_CALL_FAILURES } from '../../util/limits.js';
import { sleep } from '../../util/sleep.js';
import { RunApiError, type RunApi } from './run-api.js';
import type { RunStatus } from './run-status.js';

export type ReportedStatus = Extract<RunStatus, { state: 'reported' }>;

export interface WatchOptions {
  /** Between two status calls. */
  readonly intervalMs: number;
  /** Epoch ms after which the watch gives up (RUN_WATCH_TIMEOUT); the run itself goes on. */
  readonly deadline: number;
  readonly signal?: AbortSignal;
  /** Each status as it comes. */
  onStatus?(status: RunStatus): void;
  /** A status call that failed and will be tried again. */
  onRetry?(err: RunApiError, failures: number): void;
}

/** Consecutive `unknown` answers before the run id is taken as wrong (a server may answer before it has planned). */
const UNKNOWN_POLLS = 3;

/**
 * Polls the run API every `intervalMs` until the run is reported, and returns its final status. Bounded:
 * by `deadline`, by MAX_STATUS_CALL_FAILURES consecutive retryable failures (network, 5xx; any other
 * failure, such as a refused key, ends it at once), and by UNKNOWN_POLLS answers that the run is unknown.
 */
export async function watchRun(api: RunApi, runId: string, options: WatchOptions): Promise<ReportedStatus> {
  let unknown = 0;
  let failures = 0;
  for (;;) {
    let status: RunStatus | undefined;
    try {
      status = await api.status(runId, options.signal);
      failures = 0;
    } catch (err) {
      if (!(err instanceof RunApiError) || !err.retryable || ++failures >= MAX_STATUS_CALL_FAILURES) throw err;
      options.onRetry?.(err, failures);
    }
    if (status) {
      if (status.runId !== runId) throw new RunApiError('RUN_API_FAILED', `${api.url} answered the status of run ${status.runId} when asked for ${runId}`);
      options.onStatus?.(status);
      if (status.state === 'reported') return status;
      unknown = status.state === 'unknown' ? unknown + 1 : 0;
      if (unknown >= UNKNOWN_POLLS) throw new CodedError('NOT_FOUND', `${api.url} knows no run ${runId} (asked ${UNKNOWN_POLLS} times)`);
    }
    if (Date.now() + options.intervalMs > options.deadline)
      throw new RunApiError(
        'RUN_WATCH_TIMEOUT',
        `run ${runId} was not reported before the watch's deadline (--timeout); it goes on: watch it again with image-transfer cloud watch ${runId}`,
      );
    await sleep(options.intervalMs, options.signal);
  }
}
