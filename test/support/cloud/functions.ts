import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const RUNNER = join(import.meta.dirname, 'invoke.ts');

export interface Invocation {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts one handler invocation in its own process (a fresh SCF instance), event on stdin. */
export function invokeFunction(fn: 'planner' | 'transfer' | 'aggregator', event: unknown, env: Record<string, string>): Invocation {
  const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, fn], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin!.end(JSON.stringify(event));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

/** Invokes and waits; the handler's JSON result. */
export async function callFunction<T = unknown>(fn: 'planner' | 'transfer' | 'aggregator', event: unknown, env: Record<string, string>): Promise<T> {
  const r = await invokeFunction(fn, event, env).done;
  if (r.code !== 0) throw new Error(`${fn} invocation failed (${r.code ?? r.signal}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? 'null') as T;
}
