import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { TaskResult } from '../../report/index.js';

/** What `GET /metrics` exposes (Prometheus text format); the names are documented in docs/serve.md. */
export class ServeMetrics {
  readonly registry = new Registry();
  private readonly counter = (name: string, help: string, label: string) =>
    new Counter({ name: `image_transfer_${name}`, help, labelNames: [label], registers: [this.registry] });
  private readonly runsStarted = this.counter('runs_started_total', 'Runs planned, by what started them (api, schedule)', 'trigger');
  private readonly runsReported = this.counter('runs_reported_total', 'Runs whose report was written, by outcome (ok: nothing failed)', 'outcome');
  private readonly images = this.counter('images_total', 'Image transfers finished, by status (succeeded, skipped, failed)', 'status');
  private readonly bytes = this.counter('bytes_total', 'Blob bytes of finished transfers, by what happened to them (copied, mounted, skipped)', 'kind');
  private readonly failures = this.counter('failures_total', 'Failed image transfers, by error code', 'code');
  private readonly skippedTicks = this.counter('schedule_skipped_total', 'Schedule ticks skipped because the job was still running', 'job');
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
