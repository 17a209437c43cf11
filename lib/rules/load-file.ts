import { extname } from 'node:path';
import yaml from 'js-yaml';
import { ConfigError } from './errors.js';
import { readLocalFile } from '../util/local-file.js';
import { createLineRecorder, type LineOf } from './line-index.js';

/** Config files are small; anything bigger is a mistake (a wrong path), not a configuration. */
export const MAX_CONFIG_BYTES = 10 * 1024 * 1024;

const EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface LoadedFile {
  readonly file: string;
  /** The parsed document; `undefined` or `null` for a document of comments only. */
  readonly value: unknown;
  /** Line (1-based) of a key, for messages (see LineOf). */
  readonly lineOf: LineOf;
  /** The decoded text (for finding lines of nested entries). */
  readonly text: string;
}

const fail = (file: string, message: string, line?: number): never => {
  throw new ConfigError([{ file, message, ...(line === undefined ? {} : { line }) }]);
};

/** Reads a `.yaml`, `.yml` or `.json` file; every failure is a ConfigError naming the file. */
export async function loadConfigFile(file: string): Promise<LoadedFile> {
  if (!EXTENSIONS.includes(extname(file).toLowerCase())) fail(file, 'expected a .yaml, .yml or .json file');
  const read = readLocalFile(file, MAX_CONFIG_BYTES);
  if ('problem' in read) return fail(file, read.problem);
  return parseConfigBytes(file, read.bytes);
}

/** Parses config bytes from anywhere (a file, a COS object, an SSM secret); `file` names it in messages. */
export function parseConfigBytes(file: string, bytes: Uint8Array): LoadedFile {
  if (bytes.length > MAX_CONFIG_BYTES) fail(file, tooLarge(bytes.length));
  if (bytes.includes(0)) fail(file, 'is a binary file (it contains NUL bytes), not YAML or JSON text');
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fail(file, 'is a binary file (it is not valid UTF-8), not YAML or JSON text');
  }
  if (text.trim() === '') fail(file, 'the file is empty');
  const recorder = createLineRecorder(text);
  let value: unknown;
  try {
    value = yaml.load(text, { filename: file, schema: yaml.CORE_SCHEMA, listener: recorder.listener });
  } catch (err) {
    const e = err as { reason?: unknown; mark?: { line?: unknown } };
    const line = typeof e.mark?.line === 'number' ? Math.min(e.mark.line + 1, lastLine(text)) : undefined;
    fail(file, `not valid YAML: ${typeof e.reason === 'string' ? safeReason(e.reason) : 'syntax error'}`, line);
  }
  return { file, value, lineOf: recorder.lineOf, text };
}

/** js-yaml appends a newline, so an error at the very end can point one line past the file. */
function lastLine(text: string): number {
  const lines = text.split('\n').length;
  return text.endsWith('\n') ? lines - 1 : lines;
}

function tooLarge(size: number): string {
  return `file is too large (${size} bytes, at most ${MAX_CONFIG_BYTES})`;
}

/**
 * js-yaml quotes file content in some reasons (`unknown tag !<…>`, `unidentified alias "…"`); an
 * unquoted password starting with `!` or `*` would land there, so quoted parts are dropped.
 */
function safeReason(reason: string): string {
  const cleaned = reason.replace(/!<[^>]*>/g, '!<…>').replace(/"[^"]*"/g, '"…"');
  return /tag|alias|anchor/.test(reason) ? `${cleaned} (quote values that start with !, & or *)` : cleaned;
}
