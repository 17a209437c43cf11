import { formatDuration } from '../report/index.js';
import type { RunStatus } from '../usecases/index.js';
import { escapeControl } from '../util/escape-control.js';

/**
 * Where a watched run stands, as one line: `run <id>: running, images 12/30 done, 1 failed, 2.4/s, ETA 8s`.
 * The rate is measured from the first status this watcher saw (the images done since, per second).
 */
export class RunProgressLine {
  private first: { at: number; done: number } | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  line(status: RunStatus): string {
    if (status.state !== 'running') return `run ${status.runId}: ${status.state}`;
    const at = this.now();
    this.first ??= { at, done: status.done };
    const seconds = (at - this.first.at) / 1000;
    const rate = seconds > 0 ? (status.done - this.first.done) / seconds : 0;
    const eta = rate > 0 ? formatDuration(((status.tasks - status.done) / rate) * 1000) : '?';
    const stalled = status.workers?.failed.length
      ? ` [${status.workers.live} queue worker(s) live, ${status.workers.failed.length} gave up receiving: ${escapeControl(`${status.workers.failed[0]!.code} ${status.workers.failed[0]!.message}`)}]`
      : '';
    return `run ${status.runId}: running, images ${status.done}/${status.tasks} done, ${status.failed} failed${stalled}, ${rate.toFixed(1)}/s, ETA ${eta}`;
  }
}

/** How a watch shows progress: redrawn in place on a terminal, a line per change otherwise, or not at all. */
export interface ProgressView {
  show(status: RunStatus): void;
  note(text: string): void;
  stop(): void;
}

export function plainView(write: (line: string) => void): ProgressView {
  const progress = new RunProgressLine();
  let last = '';
  return {
    show: (status) => {
      const line = progress.line(status);
      // one line per change of state or count (the rate and ETA alone do not make a new line)
      const key = line.replace(/, [\d.]+\/s, ETA .*$/, '');
      if (key !== last) write(line);
      last = key;
    },
    note: write,
    stop: () => {},
  };
}

/** The live display (log-update on stderr, loaded only for a terminal, as the local run's). */
export async function ttyView(): Promise<ProgressView> {
  const { createLogUpdate } = await import('log-update');
  const render = createLogUpdate(process.stderr);
  const progress = new RunProgressLine();
  let last = '';
  return {
    show: (status) => render((last = progress.line(status))),
    note: (text) => {
      render.clear();
      process.stderr.write(`${text}\n`);
      if (last) render(last);
    },
    stop: () => render.done(),
  };
}
