import { createLogUpdate } from 'log-update';
import type { CopyEvent } from '../copy/index.js';
import type { TaskResult } from '../report/index.js';
import type { TransferTask } from '../planner/index.js';
import { formatBytes, formatDuration } from '../report/index.js';
import { escapeControl } from '../util/escape-control.js';

interface Active {
  readonly label: string;
  bytes: number;
  blobs: number;
}

/**
 * Live progress on a terminal: one line per active image plus a totals line (done/total, bytes,
 * rate, ETA), redrawn at most 10 times a second. Log lines are printed above it. Labels and lines
 * have their control characters escaped: names from a registry never move the cursor or add lines.
 */
export class TtyProgress {
  private readonly active = new Map<string, Active>();
  private readonly render = createLogUpdate(process.stderr);
  private done = 0;
  private bytes = 0;
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly total: number) {
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
  }

  log(line: string): void {
    this.render.clear();
    process.stderr.write(`${escapeControl(line)}\n`);
    this.draw();
  }

  start(task: TransferTask, label: string): void {
    this.active.set(task.taskId, { label: escapeControl(label), bytes: 0, blobs: 0 });
  }

  event(task: TransferTask, event: CopyEvent): void {
    const a = this.active.get(task.taskId);
    if (event.type === 'bytes') {
      this.bytes += event.bytes;
      if (a) a.bytes += event.bytes;
    } else if (event.type === 'blob' && a) {
      a.blobs += 1;
    }
  }

  finish(result: TaskResult): void {
    this.active.delete(result.taskId);
    if (result.attempts <= 1) this.done += 1;
  }

  private draw(): void {
    const seconds = (Date.now() - this.started) / 1000;
    const rate = seconds > 0 ? this.bytes / seconds : 0;
    const eta = this.done > 0 ? ((this.total - this.done) * seconds) / this.done : undefined;
    const lines = [...this.active.values()].slice(0, 12).map((a) => `  ⇅ ${a.label}  ${formatBytes(a.bytes)}  ${a.blobs} blobs`);
    if (this.active.size > 12) lines.push(`  … and ${this.active.size - 12} more`);
    lines.push(
      `images ${this.done}/${this.total} · ${formatBytes(this.bytes)} · ${formatBytes(rate)}/s · ` +
        `ETA ${eta === undefined ? '?' : formatDuration(eta * 1000)}`,
    );
    this.render(lines.join('\n'));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.draw();
    this.render.done();
  }
}
