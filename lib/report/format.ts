const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `1536` -> `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${UNITS[unit]}`;
}

/** Always in MiB with one decimal: the CLI summary line that scripts parse. */
export function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** `950ms`, `12.3s`, `4m05s`, `2h07m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return m < 60 ? `${m}m${pad(Math.floor(s % 60))}s` : `${Math.floor(m / 60)}h${pad(m % 60)}m`;
}

/** `sha256:0123456789ab` (12 hex digits), or the input when it is not an algorithm:hex digest. */
export function shortDigest(digest: string | undefined): string {
  if (!digest) return '';
  const match = /^([a-z0-9]+):([a-f0-9]{12})[a-f0-9]*$/.exec(digest);
  return match ? `${match[1]}:${match[2]}` : digest;
}
