import { CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { createLogger } from '../util/logger.js';
import { shared } from '../util/signals.js';
import { escapeControl } from '../util/escape-control.js';
import { redact } from '../util/redact.js';
import { imagesInFlight } from './context.js';
import { guardAgainstDrain } from './drain-guard.js';
import { buildProgram, toCliOptions } from './options.js';
import { reportCommand } from './report-command.js';
import { runCommand } from './run-command.js';
import { hintText } from '../report/index.js';
import { explainFailure } from '../usecases/index.js';
import { hasCode, messageOf } from '../util/errors.js';

/** Runs the command line and returns the exit status: 0 ok, 1 some image failed, 2 bad usage or input. */
export async function main(argv: readonly string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  // a daemon: its own signal handling (SIGTERM drains, see serve/command.ts), loaded only when asked for
  if (argv[0] === 'serve') return (await import('./serve/command.js')).serveCommand(argv.slice(1), env, pkg.version).catch(reportFailure);
  const program = buildProgram(pkg.version)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: (s) => process.stdout.write(s) });
  const controller = new AbortController();
  shared(controller.signal);
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(
      argv[0] === 'cloud'
        ? '\ninterrupted: no longer waiting (the serverless run goes on)\n'
        : '\ninterrupted: cancelling transfers in flight and writing the report (Ctrl-C again to quit now)\n',
    );
    controller.abort(new Error('interrupted by the user'));
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const guard = guardAgainstDrain(controller, (text) => process.stderr.write(text));
  try {
    if (argv[0] === 'report') return await reportCommand(argv.slice(1), (s) => process.stdout.write(s));
    if (argv[0] === 'cloud')
      return await (await import('./cloud-command.js')).cloudCommand(argv.slice(1), {
        env,
        signal: controller.signal,
        stdout: (s) => process.stdout.write(s),
        stderr: (s) => process.stderr.write(s),
      });
    program.parse(argv as string[], { from: 'user' });
    const options = toCliOptions(program.opts());
    let sink: ((line: string) => void) | undefined;
    const logger = createLogger({
      level: options.logLevel,
      files: options.logOutputPaths,
      write: (line) => (sink ? sink(line) : process.stderr.write(`${line}\n`)),
    });
    const command = options.ccrToTcr ? (await import('./ccr-command.js')).ccrCommand : runCommand;
    const code = await command({
      options,
      version: pkg.version,
      logger,
      env,
      signal: controller.signal,
      imagesInFlight: imagesInFlight(options.routines, logger),
      setLogSink: (s) => (sink = s),
      stdout: (text) => process.stdout.write(text),
    });
    return guard.fired() ? Math.max(code, 1) : code;
  } catch (err) {
    // a failure before any image (the TCR instance of --ccrToTcr) is explained like an image's
    return reportFailure(err, (program.opts() as { tcrName?: string }).tcrName);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    guard.release();
  }
}

function reportFailure(err: unknown, registry = 'the registry'): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    process.stderr.write(`image-transfer: ${printable(err.message.replace(/^error: /, ''))} (see --help)\n`);
    return 2;
  }
  if (hasCode(err, 'USAGE', 'CONFIG_INVALID')) {
    process.stderr.write(`image-transfer: ${printable(messageOf(err))}\n`);
    return 2;
  }
  const hint = explainFailure(err, registry);
  if (hint) {
    process.stderr.write(`image-transfer: ${escapeControl(redact(`${messageOf(err)} (${hintText(hint)})`))}\n`);
    return 1;
  }
  process.stderr.write(`image-transfer: unexpected failure: ${escapeControl(redact(messageOf(err)))}\n`);
  return 1;
}

/** A usage or input message for the terminal: redacted, its own lines kept, other control characters escaped. */
function printable(message: string): string {
  return redact(message).split('\n').map(escapeControl).join('\n');
}
