import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { StoreError } from './errors.js';
import { assertValidKey, assertValidPrefix, TEMP_NAME } from './keys.js';
import type { ObjectStore } from './port.js';

/**
 * ObjectStore on a local directory (created on first write). `put` writes a temporary file next to
 * the target, flushes it and renames it over the target, so readers see the old or the new body.
 * The content type is not stored: the file extension carries it.
 */
export class FsObjectStore implements ObjectStore {
  readonly rootDir: string;

  constructor(rootDir: string) {
    this.rootDir = resolve(rootDir);
  }

  /** The file that holds `key` (validated). */
  pathOf(key: string): string {
    return join(this.rootDir, ...assertValidKey(key));
  }

  async put(key: string, body: string | Uint8Array, _contentType: string): Promise<void> {
    const path = this.pathOf(key);
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(dirname(path), { recursive: true });
      const file = await open(temp, 'wx');
      try {
        await file.writeFile(body);
        await file.datasync();
      } finally {
        await file.close();
      }
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw new StoreError('REPORT_STORE_FAILED', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  async get(key: string): Promise<string | undefined> {
    const path = this.pathOf(key);
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
      throw new StoreError('REPORT_STORE_FAILED', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  async list(prefix: string): Promise<string[]> {
    assertValidPrefix(prefix);
    const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const keys = await this.walk(base);
    return keys.filter((k) => k.startsWith(prefix)).sort();
  }

  /** Regular files under the key folder `base` ('' or ending with '/'), as keys. Symlinks are not followed. */
  private async walk(base: string): Promise<string[]> {
    let entries: Dirent[];
    try {
      entries = await readdir(join(this.rootDir, ...base.split('/').filter(Boolean)), { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw new StoreError('REPORT_STORE_FAILED', `cannot list ${this.rootDir}/${base}: ${(err as Error).message}`, { cause: err });
    }
    const out: string[] = [];
    for (const entry of entries) {
      if (entry.isDirectory()) out.push(...(await this.walk(`${base}${entry.name}/`)));
      else if (entry.isFile() && !TEMP_NAME.test(entry.name)) out.push(`${base}${entry.name}`);
    }
    return out;
  }
}
