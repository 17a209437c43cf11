import { aggregateReport, type PlanFailure, type RunReport, type TaskResult } from '../../../lib/report/index.js';

const MiB = 1024 * 1024;
export const XSS = '<script>alert(1)</script>';

/** A result with sensible defaults; `source`/`target` default from `name`. */
export function result(name: string, status: TaskResult['status'], extra: Partial<TaskResult> = {}): TaskResult {
  const source = `127.0.0.1:5001/proj/${name}`;
  const target = `127.0.0.1:5002/proj/${name}`;
  return {
    runId: 'run-1',
    taskId: `task-${name}`,
    source,
    target,
    status,
    ...(status === 'failed' ? {} : { digest: `sha256:${'ab'.repeat(32)}`, mediaType: 'application/vnd.oci.image.index.v1+json' }),
    bytes: status === 'succeeded' ? { copied: 3 * MiB, mounted: MiB, skipped: 0 } : { copied: 0, mounted: 0, skipped: 0 },
    blobs: status === 'succeeded' ? { copied: 3, mounted: 1, skipped: 0 } : { copied: 0, mounted: 0, skipped: 0 },
    startedAt: '2025-01-02T03:04:05.000Z',
    durationMs: 1500,
    attempts: 1,
    rule: { source, target },
    ...extra,
  };
}

export function planFailure(source: string, message = 'listing tags failed: 404'): PlanFailure {
  return { rule: { source, target: source.replace('5001', '5002') }, error: { code: 'SOURCE_NOT_FOUND', message } };
}

/** 3 succeeded, 2 skipped, 2 failed (one message carrying a script tag), 1 plan failure. */
export function mixedReport(): RunReport {
  return aggregateReport({
    runId: '20250102-030405-abcd',
    version: '0.1.0',
    startedAt: '2025-01-02T03:04:05.000Z',
    finishedAt: '2025-01-02T03:04:17.500Z',
    results: [
      result('alpha:v1', 'succeeded'),
      result('bravo:v1', 'skipped', { reason: 'up-to-date' }),
      result('charlie:v1', 'failed', {
        attempts: 3,
        error: { code: 'REGISTRY_ERROR', message: `manifest unknown ${XSS} & "quotes"`, origin: 'source', op: 'fetch-manifest' },
      }),
      result('delta:v2', 'succeeded', { bytes: { copied: 10 * MiB, mounted: 0, skipped: 2 * MiB } }),
      result('echo:v1', 'skipped', { reason: 'tag-exists' }),
      result('alpha:v0', 'failed', { error: { code: 'NETWORK', message: 'connection reset', origin: 'destination' } }),
      result('foxtrot:<b>x</b>', 'succeeded'),
    ],
    planFailures: [planFailure('127.0.0.1:5001/proj/missing')],
  });
}

/** A run report over these results (fixed run id, version and times). */
export function reportWith(results: TaskResult[], planFailures: PlanFailure[] = []): RunReport {
  return aggregateReport({ runId: 'r', version: '1', startedAt: '2025-01-01T00:00:00.000Z', finishedAt: '2025-01-01T00:00:01.000Z', results, planFailures });
}

/** A `--verify=deep` run: two verified images and one whose target lost a blob and a child manifest. */
export function verifiedReport(): RunReport {
  const digest = (c: string): string => `sha256:${c.repeat(64)}`;
  const verified = { status: 'verified' as const, mode: 'deep' as const, checked: 8, mismatches: [] };
  return reportWith([
    result('alpha:v1', 'succeeded', { verification: verified }),
    result('bravo:v1', 'skipped', { reason: 'up-to-date', verification: { ...verified, checked: 4 } }),
    result(`charlie:${XSS}`, 'failed', {
      digest: digest('c'),
      error: { code: 'VERIFY_MISMATCH', message: 'verification found 2 difference(s)', origin: 'destination', op: 'verify' },
      verification: {
        status: 'mismatch',
        mode: 'deep',
        checked: 8,
        mismatches: [
          { reference: `127.0.0.1:5002/proj/charlie@${digest('d')}`, expected: digest('d'), what: 'blob' },
          { reference: `127.0.0.1:5002/proj/${XSS}@${digest('e')}`, expected: digest('e'), actual: digest('f'), what: 'manifest' },
        ],
      },
    }),
    result('delta:v1', 'failed', { error: { code: 'NETWORK', message: 'connection reset' } }),
  ]);
}

/**
 * A run of `images` results, every `failEvery`-th failed (with a hint, and a hostile message every
 * tenth failure), the rest succeeded or skipped; names `repo-<i % 100>/app:v<i>`, zero-padded so
 * the source order is the index order.
 */
export function largeReport(images: number, failEvery = 33): RunReport {
  const results: TaskResult[] = [];
  for (let i = 0; i < images; i += 1) {
    const name = `repo-${String(i % 100).padStart(2, '0')}/app:v${String(i).padStart(6, '0')}`;
    if (i % failEvery === 0) {
      const hostile = (i / failEvery) % 10 === 0 ? ` ${XSS} & "quotes" <img src=x onerror=alert(2)>` : '';
      results.push(
        result(name, 'failed', {
          attempts: 3,
          error: {
            code: 'NOT_ALLOWED',
            message: `denied: requested access to the resource is denied${hostile}`,
            origin: 'destination',
            op: 'push-manifest',
            hint: { kind: 'NOT_ALLOWED', cause: 'the credentials were accepted but do not allow this', fix: 'grant push on the destination repository' },
          },
        }),
      );
    } else results.push(result(name, i % 5 === 0 ? 'skipped' : 'succeeded', i % 5 === 0 ? { reason: 'up-to-date' } : {}));
  }
  return reportWith(results);
}
