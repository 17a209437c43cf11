/**
 * Node ends a process whose event loop is empty with exit status 0, even while the promise of the run
 * is pending: a run whose work can never settle would end silently, as if it had succeeded.
 * While installed, the first drain cancels the run through `controller` (every wait of a run listens to
 * its signal), so the run settles and writes the report of what is known; a second drain means even
 * that could not settle, and the status becomes 1. `fired` tells the caller to exit 1 whatever the run
 * reports; `release` removes the guard.
 */
export function guardAgainstDrain(controller: AbortController, write: (text: string) => void): { release(): void; fired(): boolean } {
  let fired = false;
  const onDrained = (): void => {
    fired = true;
    if (!controller.signal.aborted) {
      write('image-transfer: internal error: the run stopped making progress with work unfinished; cancelling it and writing the report\n');
      controller.abort(new Error('internal error: the run stopped making progress'));
      process.exitCode = 1;
      setImmediate(() => {}); // one more turn of the loop, so a run that still cannot settle drains again
      return;
    }
    process.off('beforeExit', onDrained);
    write('image-transfer: internal error: the run ended with work unfinished and no report\n');
    process.exitCode = 1;
  };
  process.on('beforeExit', onDrained);
  return { release: () => process.off('beforeExit', onDrained), fired: () => fired };
}
