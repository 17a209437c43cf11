import { Command, InvalidArgumentError, Option } from 'commander';
import { loadSecurityFile } from '../credentials/index.js';
import { renderSummary } from '../report/index.js';
import { loadConfigFile, parseRuleFile } from '../rules/index.js';
import { httpRunApi, RunRequest, watchRun, type ReportedStatus, type RunApi, type RunStatus } from '../usecases/index.js';
import { hasCode, isAbort, messageOf } from '../util/errors.js';
import { escapeControl } from '../util/escape-control.js';
import { MAX_POLL_INTERVAL_S, MAX_WATCH_S, MIN_POLL_INTERVAL_S } from '../util/limits.js';
import { readLocalFile } from '../util/local-file.js';
import { redact, registerSecret } from '../util/redact.js';
import { plainView, ttyView, type ProgressView } from './cloud-progress.js';
import { bool, int } from './options.js';
import { allOrConfigError } from './run-command.js';
import { UsageError } from './usage-error.js';

export interface CloudIo {
  readonly env: Record<string, string | undefined>;
  readonly signal: AbortSignal;
  stdout(text: string): void;
  stderr(text: string): void;
}

interface Common {
  url: string;
  apiKeyFile?: string;
  progress: 'auto' | 'tty' | 'plain' | 'none';
  pollInterval: number;
  timeout: number;
  wait: boolean;
}

const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * `image-transfer cloud start|status|watch`: the client of the run API (the planner's Function URL, or
 * `image-transfer serve`). Exit status as a local run: 0 reported without failure, 1 a failure or the API
 * failed, 2 bad usage or input (nothing sent). Ctrl-C stops watching, never the run.
 */
export async function cloudCommand(argv: readonly string[], io: CloudIo): Promise<number> {
  const [sub, ...rest] = argv;
  const cmd = sub === 'start' ? startCommand() : sub === 'status' || sub === 'watch' ? runIdCommand(sub) : undefined;
  if (!cmd) throw new UsageError(`cloud: expected start, status or watch, got ${JSON.stringify(sub ?? '')} (see image-transfer cloud start --help)`);
  cmd.exitOverride().configureOutput({ writeErr: () => {}, writeOut: io.stdout });
  cmd.parse(rest as string[], { from: 'user' });
  const o = cmd.opts<Common & Record<string, unknown>>();
  const api = httpRunApi(checkUrl(o.url), apiKey(o.apiKeyFile, io.env));
  try {
    if (sub === 'start') {
      const request = await startRequest(o, io.env);
      const started = await api.start(request, io.signal);
      const plan = started.state === 'continuing' ? 'planning goes on in the cloud' : `${started.tasks} image(s) planned`;
      const failures = started.planFailures ? `, ${started.planFailures} rule(s) failed to plan` : '';
      io.stdout(`run ${started.runId}: ${plan}${failures}\n`);
      return o.wait ? await watch(api, started.runId, o, io) : 0;
    }
    const runId = cmd.args[0]!;
    if (sub === 'watch') return await watch(api, runId, o, io);
    const status = await api.status(runId, io.signal);
    if (status.state === 'reported') io.stdout(`run ${status.runId}: reported\n`);
    return printStatus(status, io);
  } catch (err) {
    if (hasCode(err, 'USAGE', 'CONFIG_INVALID')) throw err;
    const stopped = io.signal.aborted && isAbort(err);
    io.stderr(`image-transfer: ${stopped ? 'stopped watching; the run goes on in the cloud' : escapeControl(redact(messageOf(err)))}\n`);
    return hasCode(err, 'BAD_REQUEST', 'POLICY_REFUSED') ? 2 : 1;
  } finally {
    await api.close();
  }
}

function common(name: string, description: string): Command {
  const seconds = (flag: string, min: number, max: number) => (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`${flag} expects whole seconds from ${min} to ${max}, got "${value}"`);
    return n;
  };
  return new Command(name)
    .description(description)
    .requiredOption('--url <url>', "the run API: the planner's Function URL, or the address of image-transfer serve")
    .option('--api-key-file <path>', 'file holding the API key (else IMAGE_TRANSFER_API_KEY); never the key itself on the command line')
    .addOption(new Option('--progress <mode>', 'progress display while waiting').choices(['auto', 'tty', 'plain', 'none']).default('auto'))
    .option('--poll-interval <seconds>', 'between two status calls', seconds('--poll-interval', MIN_POLL_INTERVAL_S, MAX_POLL_INTERVAL_S), 5)
    .option('--timeout <seconds>', 'stop waiting after this long (the run goes on)', seconds('--timeout', 1, MAX_WATCH_S), 90_000)
    .allowExcessArguments(false);
}

function startCommand(): Command {
  return common('image-transfer cloud start', 'Start a serverless run, then wait for its report (the summary and exit status of a local run).')
    .option('--ruleFile <path>', 'rules, validated here first, sent inline (at most 256 KiB)')
    .option('--rulesKey <key>', 'a rule file already in the bucket')
    .option('--job <name>', 'a stored job (jobs/<name>.yaml in the bucket)')
    .option('--securityFile <path>', 'checked here as a local run checks it; never sent (the planner reads its own secret)')
    .option('--registry <host>', 'default target registry for rules with an empty target')
    .option('--ns <namespace>', 'default target namespace for rules with an empty target')
    .option('--tag-exist-overridden [bool]', 'overwrite an existing target tag when its digest differs', bool, true)
    .option('--blob-concurrency <n>', 'blobs copied in parallel within one image', int('blob-concurrency'), 4)
    .addOption(
      new Option('--verify [mode]', 're-check each destination after its copy').choices(['off', 'manifests', 'deep']).preset('manifests').default('off'),
    )
    .option('--no-wait', 'print the run id and return at once');
}

function runIdCommand(sub: 'status' | 'watch'): Command {
  const description =
    sub === 'status' ? "Print a run's state once (exit 1 if it failed or is unknown)." : 'Wait for a run to be reported, showing its progress.';
  return common(`image-transfer cloud ${sub}`, description).argument('<runId>', 'the id cloud start printed', (id: string) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(id)) throw new InvalidArgumentError(`${JSON.stringify(id)} is not a run id`);
    return id;
  });
}

function checkUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url: ${JSON.stringify(value)} is not a URL (expected https://<function-url-host>/)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--url: expected an http(s) URL, got ${url.protocol}`);
  if (url.username || url.password)
    throw new UsageError('--url: must not carry a user or password (the API key goes in IMAGE_TRANSFER_API_KEY or --api-key-file)');
  if (url.search || url.hash) throw new UsageError('--url: must not carry a query or fragment');
  return url.toString();
}

/** The API key: from --api-key-file, else IMAGE_TRANSFER_API_KEY; registered as a secret so no message shows it. */
function apiKey(file: string | undefined, env: Record<string, string | undefined>): string {
  let key = env.IMAGE_TRANSFER_API_KEY;
  if (file !== undefined) {
    const read = readLocalFile(file, MAX_KEY_FILE_BYTES);
    if ('problem' in read) throw new UsageError(`--api-key-file ${file}: ${read.problem}`);
    key = read.bytes.toString('utf8');
  }
  key = key?.trim();
  const from = file === undefined ? 'IMAGE_TRANSFER_API_KEY' : `--api-key-file ${file}`;
  if (!key)
    throw new UsageError(
      `no API key: set IMAGE_TRANSFER_API_KEY or give --api-key-file <path> (the value of the deployment's api-key secret)${file ? `; ${from} is empty` : ''}`,
    );
  if (/[\0-\x1f\x7f]/.test(key)) throw new UsageError(`${from}: the API key holds a control character or more than one line`);
  registerSecret(key);
  return key;
}

/** The request of `cloud start`, validated as a local run validates its files: bad input is exit 2 before any request. */
async function startRequest(o: Record<string, unknown>, env: Record<string, string | undefined>) {
  const sources = (['ruleFile', 'rulesKey', 'job'] as const).filter((k) => o[k] !== undefined);
  if (sources.length !== 1) throw new UsageError('cloud start: give exactly one of --ruleFile, --rulesKey or --job');
  const defaults = { defaultRegistry: o.registry as string | undefined, defaultNamespace: o.ns as string | undefined };
  let rules: string | undefined;
  if (o.ruleFile !== undefined) {
    const [, loaded] = await allOrConfigError([
      loadSecurityFile(o.securityFile as string | undefined, { env }),
      loadConfigFile(o.ruleFile as string).then((file) => (parseRuleFile(file, defaults), file)),
    ] as const);
    rules = loaded.text;
  } else if (o.securityFile !== undefined) await loadSecurityFile(o.securityFile as string, { env });
  const options = {
    tagExistOverridden: o.tagExistOverridden as boolean,
    blobConcurrency: o.blobConcurrency as number,
    verify: o.verify as 'off' | 'manifests' | 'deep',
    ...(o.registry ? { registry: o.registry as string } : {}),
    ...(o.ns ? { ns: o.ns as string } : {}),
  };
  const request = {
    ...(rules !== undefined ? { rules } : {}),
    ...(o.rulesKey ? { rulesKey: o.rulesKey as string } : {}),
    ...(o.job ? { job: o.job as string } : {}),
    options,
  };
  const checked = RunRequest.safeParse(request);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const kebab = (key: unknown) => String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const flag =
      issue.path[0] === 'rules' ? `--ruleFile ${o.ruleFile}` : issue.path[0] === 'options' ? `--${kebab(issue.path[1])}` : `--${String(issue.path[0])}`;
    const hint =
      issue.path[0] === 'rules' && issue.code === 'too_big'
        ? ': larger than the 256 KiB the run API takes inline; put it in the bucket and use --rulesKey'
        : `: ${issue.message}`;
    throw new UsageError(`cloud start: ${flag}${hint}`);
  }
  return request;
}

async function watch(api: RunApi, runId: string, o: Common, io: CloudIo): Promise<number> {
  const tty = o.progress === 'tty' || (o.progress === 'auto' && process.stderr.isTTY === true);
  const view: ProgressView | undefined = o.progress === 'none' ? undefined : tty ? await ttyView() : plainView((line) => io.stderr(`${escapeControl(line)}\n`));
  let final: ReportedStatus;
  try {
    final = await watchRun(api, runId, {
      intervalMs: o.pollInterval * 1000,
      deadline: Date.now() + o.timeout * 1000,
      signal: io.signal,
      onStatus: (s) => view?.show(s),
      onRetry: (err, n) => view?.note(`status call ${n} failed, trying again: ${escapeControl(redact(err.message))}`),
    });
  } finally {
    view?.stop();
  }
  return printStatus(final, io);
}

/** The state line, or for a reported run the local run's summary, final line and exit status, and where the report is. */
function printStatus(status: RunStatus, io: CloudIo): number {
  if (status.state !== 'reported') {
    const counts = status.state === 'running' ? `, images ${status.done}/${status.tasks} done, ${status.failed} failed` : '';
    io.stdout(`run ${status.runId}: ${status.state}${counts}\n`);
    return status.state === 'unknown' || (status.state === 'running' && status.failed > 0) ? 1 : 0;
  }
  const lines = renderSummary({ ...status, results: status.failures });
  if (status.omitted > 0) {
    const byCode = status.byCode.map((c) => `${escapeControl(c.code)} ${c.count}`).join(', ');
    lines.splice(
      lines.findIndex((l) => l.startsWith('succeeded ')),
      0,
      `  … and ${status.omitted} more failure(s), by code: ${byCode}; all of them are in the report`,
    );
  }
  io.stdout(`${lines.join('\n')}\nreport: ${escapeControl(status.location ?? status.report)}\n`);
  return status.totals.failed + status.totals.planFailed > 0 ? 1 : 0;
}
