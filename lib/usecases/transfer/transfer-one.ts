import { type BlobCoordinator, copyImage, type CopyObserver, type ResumableOptions } from '../../copy/index.js';
import type { ImageSource, ImageTarget } from '../../oci/index.js';
import { formatEndpoint, type TransferTask } from '../../planner/index.js';
import type { TaskResult } from '../../report/index.js';
import { redact } from '../../util/redact.js';
import { failureHint, withExistingTags } from './explain-failure.js';
import { referrersStep } from './referrers-step.js';
import { verifyStep, withVerification, type VerifyMode } from './verify-step.js';
import { CodedError, codeOf, messageOf, systemCodeOf } from '../../util/errors.js';

export interface TransferDeps {
  repository(registry: string, repository: string): ImageSource & ImageTarget;
  readonly coordinator: BlobCoordinator;
  readonly blobConcurrency: number;
  /** Checkpointed uploads of large blobs (serverless: a layer may take several invocations). */
  readonly resumable?: ResumableOptions;
  /** Re-check the target after each copy (`--verify`). @default 'off' */
  readonly verify?: VerifyMode;
  /** Where the credentials of registry/repository come from, in words (`null`: anonymous), for failure hints. */
  credentialSource?(registry: string, repository: string): string | null;
  /** The tags of a source repository, to name them when a tag is missing (memoised by the caller). */
  listTags?(registry: string, repository: string, signal?: AbortSignal): Promise<string[]>;
}

export interface TransferOptions {
  readonly signal?: AbortSignal;
  readonly observer?: CopyObserver;
  readonly attempt?: number;
  /** The images-moving-bytes limit's entry (CopyOptions.admit). */
  readonly admit?: () => Promise<() => void>;
}

/**
 * Moves one image and always returns a result (never throws): idempotent, because the engine checks
 * the destination digest first, so a redelivered or re-run task costs two HEADs.
 */
export async function transferOne(deps: TransferDeps, task: TransferTask, options: TransferOptions = {}): Promise<TaskResult> {
  const startedAt = new Date();
  const bytes = { copied: 0, mounted: 0, skipped: 0 };
  const blobs = { copied: 0, mounted: 0, skipped: 0 };
  const observer: CopyObserver = (event) => {
    if (event.type === 'blob') {
      bytes[event.action] += event.size;
      blobs[event.action] += 1;
    }
    options.observer?.(event);
  };
  const base = {
    runId: task.runId,
    taskId: task.taskId,
    source: formatEndpoint(task.source),
    target: formatEndpoint(task.target),
    rule: task.rule,
    startedAt: startedAt.toISOString(),
    attempts: options.attempt ?? 1,
  };
  try {
    const source = deps.repository(task.source.registry, task.source.repository);
    const target = deps.repository(task.target.registry, task.target.repository);
    const result = await copyImage(source, task.source.reference, target, task.target.reference, {
      coordinator: deps.coordinator,
      blobConcurrency: deps.blobConcurrency,
      overwrite: task.overwrite,
      observer,
      signal: options.signal,
      ...(options.admit ? { admit: options.admit } : {}),
      ...(task.platforms ? { platforms: task.platforms } : {}),
      ...(task.backupTag ? { backupTag: task.backupTag } : {}),
      ...(deps.resumable ? { resumable: deps.resumable } : {}),
    });
    const referrers = await referrersStep(task, deps, source, target, result, observer, options.signal);
    const attached = referrers?.items.filter((i) => i.status !== 'missing').map((i) => i.digest);
    const verification = await verifyStep(
      task.verify ?? deps.verify,
      source,
      task.source.reference,
      target,
      task.target.reference,
      result,
      options.signal,
      attached,
    );
    return withVerification(
      {
        ...base,
        status: result.status === 'copied' || (referrers?.copied ?? 0) > 0 ? 'succeeded' : 'skipped',
        ...(result.reason && result.status !== 'copied' && !referrers?.copied ? { reason: result.reason } : {}),
        digest: result.digest,
        mediaType: result.mediaType,
        platforms: result.platforms,
        ...(result.sourceDigest ? { sourceDigest: result.sourceDigest } : {}),
        ...(result.backedUp ? { backup: result.backedUp } : {}),
        ...(referrers ? { referrers } : {}),
        bytes,
        blobs,
        durationMs: Date.now() - startedAt.getTime(),
      },
      verification,
    );
  } catch (err) {
    const coded = err instanceof CodedError ? err : undefined;
    const aborted = options.signal?.aborted === true;
    const side = coded?.origin === 'destination' ? task.target : task.source;
    const context = { credentialSource: deps.credentialSource?.(side.registry, side.repository) };
    const hint = aborted ? {} : await withExistingTags(deps.listTags, task.source, failureHint(err, side.registry, context), options.signal);
    return {
      ...base,
      status: 'failed',
      bytes,
      blobs,
      durationMs: Date.now() - startedAt.getTime(),
      error: {
        code: aborted ? 'ABORTED' : (codeOf(err) ?? systemCodeOf(err) ?? 'INTERNAL'),
        message: redact(aborted ? `interrupted: ${messageOf(err)}` : messageOf(err)),
        ...(coded?.origin ? { origin: coded.origin } : {}),
        ...(coded?.op ? { op: coded.op } : {}),
        ...hint,
      },
    };
  }
}

/** The result of a task that never ran (interrupted run, or no result before the run expired). */
export function notRunResult(task: TransferTask, error: NonNullable<TaskResult['error']>, attempts: number, startedAt = new Date().toISOString()): TaskResult {
  return {
    runId: task.runId,
    taskId: task.taskId,
    source: formatEndpoint(task.source),
    target: formatEndpoint(task.target),
    rule: task.rule,
    status: 'failed',
    bytes: { copied: 0, mounted: 0, skipped: 0 },
    blobs: { copied: 0, mounted: 0, skipped: 0 },
    startedAt,
    durationMs: 0,
    attempts,
    error,
  };
}
