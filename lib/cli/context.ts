import { AdaptiveLimit } from '../util/adaptive-limit.js';
import { DEFAULT_ROUTINES, LOOKAHEAD_MIN_PING_MS, MAX_ADAPTIVE_ROUTINES } from '../util/limits.js';
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
 * `--routines` whose slowest registry is a WAN away (its ping took LOOKAHEAD_MIN_PING_MS or more).
 */
export const wantsLookahead = (routines: number | undefined, slowestPingMs: number | undefined): boolean =>
  routines === undefined && slowestPingMs !== undefined && slowestPingMs >= LOOKAHEAD_MIN_PING_MS;
