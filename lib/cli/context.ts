import { AdaptiveLimit } from '../util/adaptive-limit.js';
import { DEFAULT_ROUTINES, LOOKAHEAD_MIN_RTT_MS, MAX_ADAPTIVE_ROUTINES } from '../util/limits.js';
import type { Logger } from '../util/logger.js';
import type { CliOptions } from './options.js';

/** What a command of the CLI gets from main(): the parsed options, the log, the environment, the run's signal. */
export interface RunContext {
  readonly options: CliOptions;
  readonly version: string;
  readonly logger: Logger;
  readonly env: Record<string, string | undefined>;
  readonly signal: AbortSignal;
  /** Images in flight: `--routines` as a ceiling, adapting to the link and to registries' push-back. */
  readonly imagesInFlight: AdaptiveLimit;
  /** Set while a live display owns the terminal, so log lines go above it. */
  setLogSink(sink: ((line: string) => void) | undefined): void;
  stdout(text: string): void;
}

/** Requests in flight while planning: `--routines`, or the adaptive limit's start. */
export const planningConcurrency = (options: Pick<CliOptions, 'routines'>): number => options.routines ?? DEFAULT_ROUTINES;

/** Without `--routines`: from DEFAULT_ROUTINES up to MAX_ADAPTIVE_ROUTINES; with it: that many, less only on push-back. */
export function imagesInFlight(routines: number | undefined, logger: Logger): AdaptiveLimit {
  return new AdaptiveLimit({
    initial: routines ?? DEFAULT_ROUTINES,
    max: routines ?? MAX_ADAPTIVE_ROUTINES,
    onChange: (limit, reason) => logger.debug(`images in flight: ${limit} (${reason})`),
  });
}

/**
 * As many images again as the limit read their manifests ahead (AdaptiveLimit.stage) in a run without
 * `--routines` whose slowest registry is a WAN away (its round trip is LOOKAHEAD_MIN_RTT_MS or more).
 */
export const wantsLookahead = (routines: number | undefined, slowestRoundTripMs: number | undefined): boolean =>
  routines === undefined && slowestRoundTripMs !== undefined && slowestRoundTripMs >= LOOKAHEAD_MIN_RTT_MS;

/**
 * The look-ahead's switch for a run: each call sets it from the slowest round trip seen so far, and logs a
 * change. Called at the start (after the pings) and as each image finishes: a busy event loop (a start-up,
 * many requests at once) slows an answer, never a link, and the fastest answer only ever gets faster.
 */
export function lookaheadSwitch(
  limit: Pick<AdaptiveLimit, 'setLookahead'>,
  routines: number | undefined,
  slowestRoundTripMs: () => number | undefined,
  logger: Pick<Logger, 'debug'>,
): () => void {
  let on: boolean | undefined;
  return () => {
    const slowest = slowestRoundTripMs();
    const want = wantsLookahead(routines, slowest);
    if (want === on) return;
    on = want;
    limit.setLookahead(want);
    if (slowest !== undefined) logger.debug(`slowest registry round trip ${Math.round(slowest)} ms: manifests read ahead ${want ? 'on' : 'off'}`);
  };
}
