import { Command } from 'commander';
import { RunReport, renderSummary } from '../report/index.js';
import { FsObjectStore, localRunKeys, runKeys, type ObjectStore } from '../store/index.js';
import { scfRoleCredential } from '../tencent/index.js';
import { UsageError } from './usage-error.js';

/**
 * `image-transfer report <runId> [--report-dir d | --cos <bucket-appid> --region r [--prefix p]] [--output text|json]`:
 * prints a stored run's summary, from a local report directory or from the serverless runs' COS bucket
 * (credentials from TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY [/ TENCENTCLOUD_SESSION_TOKEN]).
 */
export async function reportCommand(
  argv: readonly string[],
  stdout: (text: string) => void,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const cmd = new Command('report')
    .argument('<runId>')
    .option('--report-dir <dir>', 'where run reports are written', './image-transfer-reports')
    .option('--cos <bucket>', 'read from COS: the bucket as <name>-<appid>')
    .option('--region <region>', 'COS region', 'ap-guangzhou')
    .option('--prefix <prefix>', 'key prefix in the bucket', 'image-transfer/')
    .option('--output <format>', 'text or json', 'text')
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  cmd.parse(argv as string[], { from: 'user' });
  const runId = cmd.args[0]!;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runId))
    throw new UsageError(`report: ${JSON.stringify(runId)} is not a run id (letters, digits, '.', '_' and '-', not starting with '.')`);
  const o = cmd.opts<{ reportDir: string; cos?: string; region: string; prefix: string; output: string }>();
  const store: ObjectStore = o.cos
    ? new (await import('../store/cos.js')).CosObjectStore({
        bucket: o.cos,
        region: o.region,
        prefix: o.prefix,
        credential: scfRoleCredential(env),
        ...(env.IT_CLOUD_PROXY ? { proxy: env.IT_CLOUD_PROXY } : {}),
      })
    : new FsObjectStore(o.reportDir);
  const key = o.cos ? runKeys.report(runId) : localRunKeys.report(runId);
  const text = await store.get(key);
  if (text === undefined)
    throw new UsageError(`report: no report for run ${runId} in ${o.cos ? `cos://${o.cos}/${o.prefix}` : o.reportDir} (not aggregated yet?)`);
  const where = o.cos ? `cos://${o.cos}/${o.prefix}${key}` : `${o.reportDir.replace(/\/$/, '')}/${key}`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`report: ${where} is not valid JSON (a damaged or partly written report)`);
  }
  const parsed = RunReport.safeParse(json);
  if (!parsed.success) throw new UsageError(`report: ${where} is not a run report`);
  stdout(o.output === 'json' ? `${text}\n` : `${renderSummary(parsed.data).join('\n')}\n`);
  return parsed.data.totals.failed + parsed.data.totals.planFailed > 0 ? 1 : 0;
}
