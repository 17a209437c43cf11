import { setMaxListeners } from 'node:events';

/**
 * Marks a signal that every request in flight listens to: as many listeners as requests is normal, and
 * Node's leak warning (printed on stderr past 10) would only be noise in the user's terminal.
 */
export function shared<T extends AbortSignal>(signal: T): T {
  setMaxListeners(0, signal);
  return signal;
}

/** A signal that aborts with `parent` or through `stop`: one failure stops its siblings. */
export function stoppable(parent?: AbortSignal): { readonly signal: AbortSignal; readonly stop: AbortController } {
  const stop = new AbortController();
  return { stop, signal: shared(parent ? AbortSignal.any([parent, stop.signal]) : stop.signal) };
}
