import { appendFileSync } from 'node:fs';
import { escapeControl } from './escape-control.js';
import { redact } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** `YYYY-MM-DD HH:MM:SS.mmm<TAB>level<TAB>message`, the original tool's line shape, in local time. */
export function formatLogLine(level: LogLevel, message: string, now = new Date()): string {
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp =
    `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ` +
    `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}`;
  return `${stamp}\t${level}\t${message}`;
}

/**
 * Line logger for the CLI. Every line is redacted (registered secrets never leave the process), has
 * its control characters escaped (a message is exactly one line and never drives a terminal), and goes to `write` (stderr by default, or the progress display) and appended to `files`.
 */
export function createLogger(options: { level: LogLevel; write: (line: string) => void; files?: readonly string[] }): Logger {
  const log = (level: LogLevel) => (message: string) => {
    if (ORDER[level] < ORDER[options.level]) return;
    const line = formatLogLine(level, escapeControl(redact(message)));
    options.write(line);
    for (const file of options.files ?? []) appendFileSync(file, `${line}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
