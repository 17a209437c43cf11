import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

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

export interface WarmInstance {
  /** Runs one event; events queue, one at a time. Resolves with the handler's result, rejects with what it threw. */
  invoke<T = unknown>(event: unknown): Promise<T>;
  stop(): void;
}

/** One warm instance of a function (warm-instance.ts): started once with `env`, then reused for every event. */
export function startWarmInstance(fn: 'planner' | 'transfer' | 'aggregator', env: Record<string, string>): WarmInstance {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'warm-instance.ts'), fn], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const waiting: Array<(answer: { ok?: unknown; error?: string }) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('\0')) waiting.shift()?.(JSON.parse(line.slice(1)));
  });
  let queue: Promise<unknown> = Promise.resolve();
  return {
    invoke: <T>(event: unknown) => {
      const answer = queue.then(
        () =>
          new Promise<T>((resolve, reject) => {
            waiting.push((a) => (a.error === undefined ? resolve(a.ok as T) : reject(new Error(a.error))));
            child.stdin!.write(`${JSON.stringify(event)}\n`);
          }),
      );
      queue = answer.catch(() => {});
      return answer;
    },
    stop: () => child.kill('SIGKILL'),
  };
}

/**
 * The functions' environment on the stand-in, as deploy sets it (functions/_shared/env.ts), in SCF async mode,
 * the security file and API key in SSM, registries on 127.0.0.1 allowed; `extra` overrides or adds.
 */
export function asyncFunctionEnv(cloud: { proxy: string }, role: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...role,
    IT_REGION: 'ap-guangzhou',
    IT_BUCKET: 'reports-1250000000',
    IT_QUEUE: 'scf-async',
    IT_SECURITY: 'image-transfer/security',
    IT_API_KEY_SECRET: 'image-transfer/api-key',
    IT_ALLOW_INTERNAL: '127.0.0.1',
    IT_CLOUD_PROXY: cloud.proxy,
    ...extra,
  };
}

/** As asyncFunctionEnv, in TDMQ-CMQ mode with 4 workers on the queue `image-transfer-tasks`. */
export function functionEnv(
  cloud: { proxy: string; cmqEndpoint: string },
  role: Record<string, string>,
  extra: Record<string, string> = {},
): Record<string, string> {
  return asyncFunctionEnv(cloud, role, {
    IT_QUEUE: 'tdmq-cmq',
    IT_CMQ_ENDPOINT: cloud.cmqEndpoint,
    IT_CMQ_QUEUE: 'image-transfer-tasks',
    IT_WORKERS: '4',
    ...extra,
  });
}
