import { Cron } from 'croner';
import { startRun } from '../../usecases/index.js';
import { messageOf } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { ScheduledJob } from './jobs.js';
import type { ServeMetrics } from './metrics.js';
import type { Runner } from './runner.js';

/**
 * Starts each job on its schedule, as the functions' timer trigger starts a stored job. A job never
 * overlaps itself: a tick that comes while the job's previous run is planning or transferring is skipped
 * (and counted). Ticks missed while the process was down are not replayed: croner computes the next
 * tick from the time it starts.
 */
export function startSchedules(jobs: readonly ScheduledJob[], runner: Runner, logger: Logger, metrics: ServeMetrics): { stop(): void } {
  const crons = jobs.map((job) => {
    let current: string | undefined;
    let starting = false;
    const tick = async (): Promise<void> => {
      if (starting || (current !== undefined && runner.active(current))) {
        metrics.tickSkipped(job.name);
        logger.info(`job ${job.name}: its previous run ${current ?? '(being planned)'} is still running; this tick is skipped`);
        return;
      }
      starting = true;
      try {
        const started = await startRun(runner.runDeps('schedule'), job.rulesText, job.rulesFile, job.options, runner.budget());
        current = started.runId;
        logger.info(`job ${job.name}: run ${started.runId} planned`);
      } catch (err) {
        logger.error(`job ${job.name}: the run could not start: ${messageOf(err)}`);
      } finally {
        starting = false;
      }
    };
    return new Cron(job.schedule, { ...(job.timezone ? { timezone: job.timezone } : {}) }, tick);
  });
  return {
    stop: () => {
      for (const c of crons) c.stop();
    },
  };
}
