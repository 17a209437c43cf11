import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import yaml from 'js-yaml';
import { ConfigError } from './errors.js';

/** Config files are small; anything bigger is a mistake (a wrong path), not a configuration. */
export const MAX_CONFIG_BYTES = 10 * 1024 * 1024;

export interface LoadedFile {
  readonly file: string;
  readonly value: unknown;
  /** Line (1-based) where a top-level key or list item's key first appears, for messages. */
  lineOf(key: string): number | undefined;
}

const fail = (file: string, message: string, line?: number): never => {
  throw new ConfigError([{ file, message, ...(line === undefined ? {} : { line }) }]);
};

/** Reads a `.yaml`, `.yml` or `.json` file; every failure is a ConfigError naming the file. */
export async function loadConfigFile(file: string): Promise<LoadedFile> {
  if (!['.yaml', '.yml', '.json'].includes(extname(file).toLowerCase())) fail(file, 'expected a .yaml, .yml or .json file');
  const info = await stat(file).catch(() => fail(file, 'file not found'));
  if (!info.isFile()) fail(file, 'is not a regular file');
  if (info.size > MAX_CONFIG_BYTES) fail(file, `file is too large (${info.size} bytes, at most ${MAX_CONFIG_BYTES})`);
  return parseConfigBytes(file, await readFile(file));
}

/** Parses config bytes from anywhere (a file, a COS object, an SSM secret); `file` names it in messages. */
export function parseConfigBytes(file: string, bytes: Uint8Array): LoadedFile {
  if (bytes.length > MAX_CONFIG_BYTES) fail(file, `file is too large (${bytes.length} bytes, at most ${MAX_CONFIG_BYTES})`);
  if (bytes.includes(0)) fail(file, 'is a binary file, not YAML or JSON text');
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fail(file, 'is not UTF-8 text');
  }
  if (text.trim() === '') fail(file, 'the file is empty');
  let value: unknown;
  try {
    value = yaml.load(text, { filename: file, schema: yaml.CORE_SCHEMA });
  } catch (err) {
    const e = err as { reason?: string; mark?: { line: number } };
    fail(file, `not valid YAML: ${e.reason ?? String(err)}`, e.mark ? e.mark.line + 1 : undefined);
  }
  return { file, value, lineOf: lineFinder(text) };
}

function lineFinder(text: string): (key: string) => number | undefined {
  const lines = text.split(/\r?\n/);
  return (key: string) => {
    const quoted = [key, `"${key}"`, `'${key}'`];
    const index = lines.findIndex((l) => {
      const t = l.replace(/^\s*-?\s*/, '');
      return quoted.some((q) => t.startsWith(`${q}:`) || t === q || t.startsWith(`source: ${q}`));
    });
    return index < 0 ? undefined : index + 1;
  };
}
