import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.mjs');

/** Builds dist/cli.mjs when it is missing or older than the sources it is built from. */
export function ensureBuilt(): void {
  const built = existsSync(CLI) ? statSync(CLI).mtimeMs : 0;
  const newest = spawnSync('sh', ['-c', `find ${ROOT}/lib ${ROOT}/package.json -newer ${CLI} -print -quit 2>/dev/null`]).stdout.toString();
  if (built && !newest.trim()) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building the CLI failed');
}

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI as a user would (the bin's shebang flags included), without a TTY. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string>; killAfterMs?: number; killWhen?: (stderr: string) => boolean } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(CLI, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (options.killWhen?.(stderr)) child.kill('SIGKILL');
    });
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
