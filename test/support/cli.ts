import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.cjs');

const FUNCTION_BUNDLE = join(ROOT, 'dist', 'functions', 'transfer', 'index.js');

/** Builds dist/ (the CLI, and with `functions` the SCF bundles) when missing or older than the sources. */
export function ensureBuilt(what: 'cli' | 'functions' = 'cli'): void {
  const artefact = what === 'cli' ? CLI : FUNCTION_BUNDLE;
  const built = existsSync(artefact) ? statSync(artefact).mtimeMs : 0;
  const newest = spawnSync('sh', [
    '-c',
    `find ${ROOT}/lib ${ROOT}/functions ${ROOT}/package.json -newer ${artefact} -print -quit 2>/dev/null`,
  ]).stdout.toString();
  if (built && !newest.trim()) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), ...(what === 'functions' ? ['--functions'] : [])], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error(`building ${what} failed`);
}

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The child's peak resident set (VmHWM), sampled every 100 ms until it exits; 0 when unreadable. */
  readonly peakRssKiB: number;
}

function vmHwmKiB(pid: number | undefined): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Runs the built CLI as a user would (the bin's shebang flags included), without a TTY. */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; killAfterMs?: number; killWhen?: (stderr: string) => boolean } = {},
): Promise<CliRun> {
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
    let peakRssKiB = 0;
    const sampler = setInterval(() => (peakRssKiB = Math.max(peakRssKiB, vmHwmKiB(child.pid))), 100);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      clearInterval(sampler);
      resolve({ code, signal, stdout, stderr, peakRssKiB });
    });
  });
}
