import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { DEFAULT_ROUTINES, MAX_ADAPTIVE_ROUTINES } from '../util/limits.js';
import { UsageError } from './usage-error.js';

/** Everything the flat (original-compatible) command line accepts, validated. */
export const CliOptions = z.strictObject({
  securityFile: z.string().optional(),
  ruleFile: z.string().optional(),
  /** Absent: adaptive from DEFAULT_ROUTINES up to MAX_ADAPTIVE_ROUTINES; given: the ceiling. */
  routines: z.number().int().min(1).max(256).optional(),
  retry: z.number().int().min(0).max(20),
  qps: z.number().int().min(1).max(30_000).optional(),
  registry: z.string().optional(),
  ns: z.string().optional(),
  tagExistOverridden: z.boolean(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']),
  logOutputPaths: z.array(z.string()),
  reportDir: z.string().min(1),
  dryRun: z.boolean(),
  estimate: z.enum(['heads', 'full']).optional(),
  pullReserve: z.string().regex(/^\d+(\.\d+)?%?$/, 'a count of pulls or a percentage of the limit, e.g. 10 or 5%'),
  pullMaxWait: z.number().int().min(0).max(86_400),
  output: z.enum(['text', 'json']),
  blobConcurrency: z.number().int().min(1).max(64),
  verify: z.enum(['off', 'manifests', 'deep']),
  progress: z.enum(['auto', 'tty', 'plain', 'none']),
  ccrToTcr: z.boolean(),
  secretFile: z.string().optional(),
  tcrName: z.string().optional(),
  tcrRegion: z.string(),
  ccrRegion: z.string(),
  ccrTagNums: z.number().int().min(0),
  ccrHost: z.string().optional(),
  tcrHost: z.string().optional(),
});
export type CliOptions = z.infer<typeof CliOptions>;

export function int(name: string) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`--${name} expects a whole number, got "${value}"`);
    return Number(value);
  };
}

export function bool(value: string | undefined): boolean {
  if (value === undefined) return true;
  if (/^(true|1|yes|on)$/i.test(value)) return true;
  if (/^(false|0|no|off)$/i.test(value)) return false;
  throw new InvalidArgumentError(`expects true or false, got "${value}"`);
}

function logLevel(value: string): string {
  const v = value.toLowerCase();
  if (['debug', 'dbg'].includes(v)) return 'debug';
  if (['warn', 'warning'].includes(v)) return 'warn';
  if (['error', 'err', 'fatal', 'panic'].includes(v)) return 'error';
  if (v === 'info') return 'info';
  throw new InvalidArgumentError(`expects debug, info, warn or error, got "${value}"`);
}

const EXAMPLES = `
Examples:
  # migrate what rule.yaml lists, credentials from security.yaml (original tkestack/image-transfer form)
  image-transfer --securityFile=security.yaml --ruleFile=rule.yaml

  # preview the plan without copying, 10 images in parallel, JSON report on stdout
  image-transfer --securityFile=security.yaml --ruleFile=rule.yaml --dry-run
  image-transfer --securityFile=security.yaml --ruleFile=rule.yaml --routines=10 --output=json

  # rules with an empty target go to --registry (source path kept, first component replaced by --ns)
  image-transfer --securityFile=security.yaml --ruleFile=rule.yaml --registry=tcr.example.com --ns=mirror

  # re-check every destination after its copy, blobs included (a difference fails the image: VERIFY_MISMATCH)
  image-transfer --securityFile=security.yaml --ruleFile=rule.yaml --verify=deep

  # re-run exactly what failed last time
  image-transfer --securityFile=security.yaml --ruleFile=image-transfer-reports/<runId>/failed.yaml

  # show a stored report
  image-transfer report <runId> --report-dir=image-transfer-reports

  # the planner's HTTP API and scheduled jobs as a service (see image-transfer serve --help)
  image-transfer serve --securityFile=security.yaml --jobs=jobs.yaml
  # start a serverless run and wait for its report (API key in IMAGE_TRANSFER_API_KEY; see cloud start --help)
  image-transfer cloud start --url=https://<function-url> --ruleFile=rule.yaml

Exit status: 0 all images copied or already in sync, 1 some failed, 2 bad usage or input.`;

export function buildProgram(version: string): Command {
  return new Command('image-transfer')
    .description('Migrate container images between registries in bulk: exact digests, all platforms.')
    .version(version, '-v, --version')
    .option('--securityFile <path>', 'registry credentials (yaml, yml or json); falls back to ~/.docker/config.json')
    .option('--ruleFile <path>', 'rules: "source: target" map or a list of {source, target}')
    .option(
      '--routines <n>',
      `most images copied in parallel (default: starts at ${DEFAULT_ROUTINES} and adapts to the link, up to ${MAX_ADAPTIVE_ROUTINES})`,
      int('routines'),
    )
    .option('--retry <n>', 'extra passes over failed images', int('retry'), 2)
    .option('--qps <n>', 'requests per second per registry (default: not limited, as in the original)', int('qps'))
    .option('--registry <host>', 'default target registry for rules with an empty target')
    .option('--ns <namespace>', 'default target namespace for rules with an empty target')
    .option('--tag-exist-overridden [bool]', 'tag-list rules: overwrite an existing target tag when its digest differs', bool, true)
    .option('--log-level <level>', 'debug, info, warn or error', logLevel, 'info')
    .option('--log-output-paths <path...>', 'also append log lines to these files', [])
    .option('--report-dir <dir>', 'where run reports are written', './image-transfer-reports')
    .option('--dry-run', 'print the plan (images to copy) and copy nothing', false)
    .addOption(
      new Option('--estimate [mode]', 'dry run with the cost per source registry: "full" GETs manifests (pulls, bytes after dedup), "heads" only HEADs (free)')
        .choices(['heads', 'full'])
        .preset('full'),
    )
    .option('--pull-reserve <n|n%>', 'pulls per registry left unused for others when it sends RateLimit headers (Docker Hub)', '5%')
    .option('--pull-max-wait <seconds>', 'longest a paced pull waits before its image fails with QUOTA_EXHAUSTED', int('pull-max-wait'), 300)
    .addOption(new Option('--output <format>', 'final output').choices(['text', 'json']).default('text'))
    .option('--blob-concurrency <n>', 'blobs copied in parallel within one image', int('blob-concurrency'), 4)
    .addOption(
      new Option('--verify [mode]', 're-check each destination after its copy: manifests (tags, manifests) or deep (also every blob)')
        .choices(['off', 'manifests', 'deep'])
        .preset('manifests')
        .default('off'),
    )
    .addOption(new Option('--progress <mode>', 'progress display').choices(['auto', 'tty', 'plain', 'none']).default('auto'))
    .option('--ccrToTcr [bool]', 'migrate Tencent CCR personal edition into a TCR instance', bool, false)
    .option('--secretFile <path>', 'Tencent Cloud API keys for --ccrToTcr')
    .option('--tcrName <name>', 'TCR instance name for --ccrToTcr')
    .option('--tcrRegion <region>', 'TCR region', 'ap-guangzhou')
    .option('--ccrRegion <region>', 'CCR region', 'ap-guangzhou')
    .option('--ccrTagNums <n>', 'newest N tags per CCR repository, 0 = all', int('ccrTagNums'), 100)
    .option('--ccr-host <host>', 'CCR registry host instead of the one of --ccrRegion')
    .option('--tcr-host <host>', "TCR registry host instead of the instance's public domain (e.g. its VPC endpoint)")
    .addOption(new Option('--log-format <format>').hideHelp())
    .addOption(new Option('--log-enable-color [bool]').hideHelp())
    .addOption(new Option('--log-ignore-caller [bool]').hideHelp())
    .addOption(new Option('--log-sampling-frequency <duration>').hideHelp())
    .addHelpText('after', EXAMPLES)
    .allowExcessArguments(false)
    .showHelpAfterError(false);
}

const IGNORED = ['logFormat', 'logEnableColor', 'logIgnoreCaller', 'logSamplingFrequency'];

/** Commander's raw values -> CliOptions, or a UsageError naming the flag. */
export function toCliOptions(raw: Record<string, unknown>): CliOptions {
  const picked = Object.fromEntries(Object.entries(raw).filter(([k]) => !IGNORED.includes(k)));
  const result = CliOptions.safeParse(picked);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `--${flagName(String(i.path[0]))}: ${i.message}`);
  throw new UsageError(`invalid command line: ${lines.join('; ')}`);
}

function flagName(key: string): string {
  const kebab: Record<string, string> = {
    tagExistOverridden: 'tag-exist-overridden',
    logLevel: 'log-level',
    reportDir: 'report-dir',
    dryRun: 'dry-run',
    blobConcurrency: 'blob-concurrency',
    pullReserve: 'pull-reserve',
    pullMaxWait: 'pull-max-wait',
  };
  return kebab[key] ?? key;
}
