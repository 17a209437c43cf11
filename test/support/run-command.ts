import { execFile } from 'node:child_process';

export interface CommandResult {
  stdout: Buffer;
  stderr: string;
}

/** Runs a program without a shell; rejects with its stderr when it exits non-zero. */
export function runCommand(file: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: options.cwd, timeout: options.timeoutMs ?? 30_000, encoding: 'buffer', maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const errText = stderr.toString('utf8');
      if (error) {
        reject(new Error(`${file} ${args[0] ?? ''} failed: ${errText.trim() || error.message}`, { cause: error }));
        return;
      }
      resolve({ stdout, stderr: errText });
    });
  });
}
