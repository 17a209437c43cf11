import type { Logger } from '../util/logger.js';
import type { CliOptions } from './options.js';

/** What a command of the CLI gets from main(): the parsed options, the log, the environment, the run's signal. */
export interface RunContext {
  readonly options: CliOptions;
  readonly version: string;
  readonly logger: Logger;
  readonly env: Record<string, string | undefined>;
  readonly signal: AbortSignal;
  /** Set while a live display owns the terminal, so log lines go above it. */
  setLogSink(sink: ((line: string) => void) | undefined): void;
  stdout(text: string): void;
}
