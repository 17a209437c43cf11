import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';

// The executable (dist/cli.cjs). It runs the CommonJS bundle dist/image-transfer.cjs through V8's code
// cache, so a start skips parsing and compiling what the previous run compiled: on this project's
// no-op re-run that is about a fifth of the whole run. Node 20 has no built-in compile cache.
//
// Contract of the cache file: one per Node version, architecture, node flags and bundle build
// (BUNDLE_ID, injected by scripts/build.mjs); written atomically at the end of a transfer or report
// command when there was none or V8 rejected it; files unused for 30 days are removed then; never
// required (any failure just compiles afresh).
// `IMAGE_TRANSFER_CODE_CACHE=0` turns it off; `IMAGE_TRANSFER_CACHE_DIR` moves it (default
// `$XDG_CACHE_HOME/image-transfer`, else `~/.cache/image-transfer`; never a shared temporary directory).

declare const BUNDLE_ID: string;

// undici (blob bytes) parses HTTP with llhttp in WebAssembly; its optimising tier costs ~35 MiB of RSS
// and CPU for no gain here. Set before compiling: V8 rejects a code cache made under other flags.
setFlagsFromString('--liftoff-only');
// TurboFan, V8's optimising compiler, only once a run has lasted 10 s (IMAGE_TRANSFER_OPTIMISE_AFTER_MS):
// runs of 3–8 s (s1–s5, w1, w2) peak 5–16 MiB lower without it and spend the same or less CPU (its compiles
// run beside the copy and do not pay back that soon), while 2,000 tiny images (55 s) need a quarter more CPU
// without it (docs/benchmarks.md, Memory). The code cache is made under the start flags (see the exit hook).
const optimiseAfter = optimiseAfterMs(process.env);
setFlagsFromString('--no-turbofan');
setTimeout(() => setFlagsFromString('--turbofan'), optimiseAfter).unref();
// No fixed heap growing factor (--heap-growing-percent): 50 took 2,000 tiny images from 157 to 108 MiB at
// the same CPU, but a 1 GiB layer then cost 8.7 CPU-s instead of 3.7 (V8 could no longer grow the heap for
// the allocation rate of streamed blobs). See docs/benchmarks.md (Scale).

const bundle = join(__dirname, 'image-transfer.cjs');
const source = readFileSync(bundle, 'utf8');
const cacheFile = codeCachePath(process.env);
let cached: Buffer | undefined;
try {
  if (cacheFile && ownedByMe(cacheFile)) cached = readFileSync(cacheFile);
} catch {
  // no cache yet
}
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData: cached });
if (cacheFile && (!cached || script.cachedDataRejected) && !isTrivial(process.argv.slice(2))) {
  process.once('exit', (code) => {
    // V8 rejects a cache made under other flags: the next start has TurboFan off
    setFlagsFromString('--no-turbofan');
    if (code <= 1) saveCodeCache(cacheFile, () => script.createCachedData());
  });
}
const entry = script.runInThisContext() as (...args: unknown[]) => void;
const mod = { exports: {} };
// the bundle needs only built-in modules; this file's own require serves them (and sits in the same directory)
entry.call(mod.exports, mod.exports, require, mod, bundle, dirname(bundle));

/** `IMAGE_TRANSFER_OPTIMISE_AFTER_MS`: a whole number of ms (0: from the start), default 10 s; else exit 2. */
function optimiseAfterMs(env: NodeJS.ProcessEnv): number {
  const value = env.IMAGE_TRANSFER_OPTIMISE_AFTER_MS;
  if (value === undefined || value === '') return 10_000;
  if (/^\d{1,9}$/.test(value)) return Number(value);
  process.stderr.write(
    `image-transfer: IMAGE_TRANSFER_OPTIMISE_AFTER_MS must be a whole number of milliseconds (0 to 999999999), got ${JSON.stringify(value.slice(0, 40))}\n`,
  );
  process.exit(2);
}

function codeCachePath(env: NodeJS.ProcessEnv): string | undefined {
  if (env.IMAGE_TRANSFER_CODE_CACHE === '0') return undefined;
  const dir =
    env.IMAGE_TRANSFER_CACHE_DIR || (env.XDG_CACHE_HOME ? join(env.XDG_CACHE_HOME, 'image-transfer') : env.HOME && join(env.HOME, '.cache', 'image-transfer'));
  if (!dir) return undefined;
  const flags = fnv1a(process.execArgv.join(' '));
  return join(dir, `code-${process.version}-${process.arch}-${flags}-${BUNDLE_ID}.bin`);
}

/** Compiled code runs as this user: only a file this user owns and nobody else can write is used. */
function ownedByMe(file: string): boolean {
  const st = statSync(file);
  return (process.getuid === undefined || st.uid === process.getuid()) && (st.mode & 0o022) === 0;
}

/** Help, version and usage errors compile little: a cache made by them would stay small for good. */
function isTrivial(argv: readonly string[]): boolean {
  return argv.length === 0 || argv.some((a) => /^(-h|--help|-v|--version|help)$/.test(a));
}

const STALE_MS = 30 * 24 * 3600 * 1000;

/** Writes the cache through a temporary name (a concurrent start never reads half a file); drops stale ones. */
function saveCodeCache(file: string, data: () => Buffer): void {
  try {
    const dir = dirname(file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data(), { mode: 0o600 });
    renameSync(tmp, file);
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (/^code-.*\.bin$/.test(name) && Date.now() - statSync(path).atimeMs > STALE_MS) rmSync(path, { force: true });
    }
  } catch {
    // a read-only or full cache directory only costs the next start its compile time
  }
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
