import { spawn, type ChildProcess } from 'node:child_process';
import { SIGNATURE_HEADER, signRequest } from '../../lib/util/request-signature.js';
import { CLI } from './cli.js';
import { onProcessExit } from './exit-hooks.js';

export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  stderr(): string;
  /** A signed (when `key` is given) call to the API: status, content type and body text. */
  call(method: string, path: string, body?: string, key?: string): Promise<{ status: number; type: string; body: string }>;
  /** Resolves when a line matching `pattern` has been logged. */
  logged(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `image-transfer serve` from the built CLI and waits for its "serving on" line. */
export async function startServe(args: readonly string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(CLI, ['serve', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const untrack = onProcessExit(() => child.kill('SIGKILL'));
  let err = '';
  const listeners = new Set<() => void>();
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const l of listeners) l();
  });
  child.stdout!.resume();
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      untrack();
      for (const l of listeners) l();
      resolve({ code, signal });
    }),
  );
  const logged = (pattern: RegExp, timeoutMs = 60_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`serve did not log ${pattern} within ${timeoutMs} ms:\n${err}`)), timeoutMs);
      const check = (): void => {
        if (pattern.test(err)) done();
        else if (child.exitCode !== null || child.signalCode !== null) done(new Error(`serve exited before logging ${pattern}:\n${err}`));
      };
      const done = (e?: Error): void => {
        clearTimeout(timer);
        listeners.delete(check);
        e ? reject(e) : resolve();
      };
      listeners.add(check);
      check();
    });
  await logged(/serving on http:\/\/\S+/);
  const url = `http://${err.match(/serving on http:\/\/(\S+?):? /)![1]}`;
  return {
    url,
    child,
    stderr: () => err,
    logged,
    exited: () => exit,
    call: async (method, path, body = '', key) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (key) headers[SIGNATURE_HEADER] = signRequest(key, method, path, body);
      const r = await fetch(url + path, { method, headers, ...(method === 'GET' ? {} : { body }) });
      return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text() };
    },
  };
}
