import { randomBytes } from 'node:crypto';

/** `YYYYMMDD-HHMMSS-xxxx` (UTC): sortable, unique enough for concurrent runs, safe in paths and keys. */
export function newRunId(now = new Date()): string {
  const iso = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${iso}-${randomBytes(2).toString('hex')}`;
}
