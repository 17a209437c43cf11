import { StoreError } from './errors.js';

/** Names the fs store gives its temporary files; never valid keys, never listed. */
export const TEMP_NAME = /^\..*\.[0-9a-f]{12}\.tmp$/;
const MAX_KEY_LENGTH = 1024;

function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'is empty';
  if (key.length > MAX_KEY_LENGTH) return `is longer than ${MAX_KEY_LENGTH} characters`;
  if (key.startsWith('/')) return 'is absolute';
  if (/[\u0000-\u001f\u007f\\]/.test(key)) return 'contains a backslash or a control character';
  if (/^[A-Za-z]:/.test(key)) return 'starts with a drive letter';
  const segments = key.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'has an empty, "." or ".." segment';
  if (TEMP_NAME.test(segments[segments.length - 1] ?? '')) return 'is a temporary file name';
  return undefined;
}

/** Throws `REPORT_INVALID_KEY` unless `key` is a relative `/`-separated path (see ObjectStore). */
export function assertValidKey(key: string): string[] {
  const problem = keyProblem(key);
  if (problem) throw new StoreError('REPORT_INVALID_KEY', `report key ${JSON.stringify(key)} ${problem}`);
  return key.split('/');
}

/** A list prefix: empty, or the start of a valid key (it may end with `/`). */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  const problem = keyProblem(prefix.endsWith('/') ? `${prefix}x` : prefix);
  if (problem) throw new StoreError('REPORT_INVALID_KEY', `report key prefix ${JSON.stringify(prefix)} ${problem}`);
}
