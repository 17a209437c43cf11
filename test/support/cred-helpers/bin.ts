import { chmodSync, copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export const HELPER_MODES = ['notfound', 'garbage', 'fail', 'slow', 'identity', 'leak'] as const;

/**
 * Makes `<dir>/bin` with docker-credential-fake and its misbehaving twins docker-credential-fake-<mode>
 * (see the script), executable whatever mode the checkout gave the file. Returns the directory, to put
 * first on PATH.
 */
export function fakeHelperBin(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const main = join(bin, 'docker-credential-fake');
  copyFileSync(join(import.meta.dirname, 'docker-credential-fake'), main);
  chmodSync(main, 0o755);
  for (const mode of HELPER_MODES) symlinkSync(main, join(bin, `docker-credential-fake-${mode}`));
  return bin;
}
