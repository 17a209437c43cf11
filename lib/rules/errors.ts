import { CodedError } from '../util/errors.js';
/** One problem in a configuration file; `line` is 1-based when known. */
export interface ConfigIssue {
  readonly file: string;
  readonly line?: number;
  readonly key?: string;
  readonly message: string;
}

/** Bad configuration: every problem found, one per line `<file>:<line>: <key>: <message>`. Exit status 2. */
export class ConfigError extends CodedError<'CONFIG_INVALID'> {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super('CONFIG_INVALID', issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}`;
  return `${where}: ${issue.key === undefined ? '' : `${issue.key}: `}${issue.message}`;
}
