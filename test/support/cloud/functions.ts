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

/**
 * The functions' environment on the stand-in, as deploy sets it (functions/_shared/env.ts), in TDMQ-CMQ mode with
 * 4 workers, the security file and API key in SSM; `extra` overrides or adds.
 */
export function functionEnv(
  cloud: { proxy: string; cmqEndpoint: string },
  role: Record<string, string>,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...role,
    IT_REGION: 'ap-guangzhou',
    IT_BUCKET: 'reports-1250000000',
    IT_QUEUE: 'tdmq-cmq',
    IT_CMQ_ENDPOINT: cloud.cmqEndpoint,
    IT_CMQ_QUEUE: 'image-transfer-tasks',
    IT_WORKERS: '4',
    IT_SECURITY: 'image-transfer/security',
    IT_API_KEY_SECRET: 'image-transfer/api-key',
    IT_ALLOW_INTERNAL: '127.0.0.1',
    IT_CLOUD_PROXY: cloud.proxy,
    ...extra,
  };
}
