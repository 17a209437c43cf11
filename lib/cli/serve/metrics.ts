import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { TaskResult } from '../../report/index.js';

/** What `GET /metrics` exposes (Prometheus text format); the names are documented in docs/serve.md. */
export class ServeMetrics {
  readonly registry = new Registry();
  private readonly runsStarted = new Counter({
    name: 'image_transfer_runs_started_total',
    help: 'Runs planned, by what started them (api, schedule)',
    labelNames: ['trigger'],
    registers: [this.registry],
  });
  private readonly runsReported = new Counter({
    name: 'image_transfer_runs_reported_total',
    help: 'Runs whose report was written, by outcome (ok: nothing failed)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly images = new Counter({
    name: 'image_transfer_images_total',
    help: 'Image transfers finished, by status (succeeded, skipped, failed)',
    labelNames: ['status'],
    registers: [this.registry],
  });
  private readonly bytes = new Counter({
    name: 'image_transfer_bytes_total',
    help: 'Blob bytes of finished transfers, by what happened to them (copied, mounted, skipped)',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: 'image_transfer_failures_total',
    help: 'Failed image transfers, by error code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  private readonly skippedTicks = new Counter({
    name: 'image_transfer_schedule_skipped_total',
    help: 'Schedule ticks skipped because the job was still running',
    labelNames: ['job'],
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({ name: 'image_transfer_tasks_in_flight', help: 'Transfers running now', registers: [this.registry] });
  readonly queued = new Gauge({ name: 'image_transfer_tasks_queued', help: 'Tasks waiting for a worker', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'image_transfer_' });
  }

  runStarted(trigger: 'api' | 'schedule'): void {
    this.runsStarted.inc({ trigger });
  }

  runReported(failed: number): void {
    this.runsReported.inc({ outcome: failed > 0 ? 'failed' : 'ok' });
  }

  taskDone(result: TaskResult): void {
    this.images.inc({ status: result.status });
    for (const kind of ['copied', 'mounted', 'skipped'] as const) this.bytes.inc({ kind }, result.bytes[kind]);
    if (result.status === 'failed') this.failures.inc({ code: result.error?.code ?? 'UNKNOWN' });
  }

  tickSkipped(job: string): void {
    this.skippedTicks.inc({ job });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
