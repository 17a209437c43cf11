/**
 * Where run reports live: the local disk for the CLI, COS for the serverless aggregator.
 *
 * Keys are relative `/`-separated paths such as `runs/<runId>/report.json`: no leading `/`, no empty,
 * `.` or `..` segment, no backslash. Implementations reject any other key with a `StoreError`
 * (`REPORT_INVALID_KEY`) before touching storage.
 */
export interface ObjectStore {
  /**
   * Stores `body` under `key`, replacing what was there. Atomic: a concurrent `get` returns the
   * whole old body or the whole new one, never part of either. Resolves once the body is stored.
   */
  put(key: string, body: string | Uint8Array, contentType: string): Promise<void>;
  /** The body as UTF-8 text, or `undefined` when nothing is stored under `key`. */
  get(key: string): Promise<string | undefined>;
  /**
   * Every stored key that starts with `prefix` (a plain string prefix, as in object stores:
   * `runs/` lists all runs, `runs/2025` the runs of 2025), sorted. Never lists temporary files.
   */
  list(prefix: string): Promise<string[]>;
}
