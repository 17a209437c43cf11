import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Why a local file could not be read, in words for a message that names the file. */
export type LocalFileProblem = string;

/**
 * Reads a local file that must be a regular file of at most `cap` bytes. A FIFO, a device (`/dev/zero`),
 * a directory or a socket is refused without reading (the file is opened non-blocking, so a FIFO without
 * a writer cannot hang the process), and so is a file past `cap`, even one that grows while it is read.
 */
export function readLocalFile(path: string, cap: number): { bytes: Buffer } | { problem: LocalFileProblem; code?: string } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' || code === 'ENOTDIR' ? 'file not found' : `cannot read the file (${code ?? 'error'})`, ...(code ? { code } : {}) };
  }
  try {
    const info = fstatSync(fd);
    if (info.isDirectory()) return { problem: 'is a directory, not a file' };
    if (!info.isFile()) return { problem: 'is not a regular file' };
    if (info.size > cap) return { problem: tooLarge(`${info.size} bytes`, cap) };
    const buffer = Buffer.alloc(Math.min(info.size, cap) + 1);
    let size = 0;
    for (;;) {
      const n = readSync(fd, buffer, size, buffer.length - size, null);
      if (n === 0) break;
      size += n;
      if (size === buffer.length) return { problem: size > cap ? tooLarge(`more than ${cap} bytes`, cap) : 'grew while it was read' };
    }
    return { bytes: buffer.subarray(0, size) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { problem: `cannot read the file (${code ?? 'error'})` };
  } finally {
    closeSync(fd);
  }
}

const tooLarge = (size: string, cap: number): LocalFileProblem => `file is too large (${size}, at most ${cap})`;
