import { Command } from 'commander';
import { FsReportStore, RunReport, renderSummary } from '../report/index.js';
import { UsageError } from './usage-error.js';

/** `image-transfer report <runId> [--report-dir d] [--output text|json]`: prints a stored run's summary. */
export async function reportCommand(argv: readonly string[], stdout: (text: string) => void): Promise<number> {
  const cmd = new Command('report')
    .argument('<runId>')
    .option('--report-dir <dir>', 'where run reports are written', './image-transfer-reports')
    .option('--output <format>', 'text or json', 'text')
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
  cmd.parse(argv as string[], { from: 'user' });
  const runId = cmd.args[0]!;
  if (!/^[A-Za-z0-9._-]+$/.test(runId)) throw new UsageError(`report: "${runId}" is not a run id`);
  const { reportDir, output } = cmd.opts<{ reportDir: string; output: string }>();
  const text = await new FsReportStore(reportDir).get(`${runId}/report.json`);
  if (text === undefined) throw new UsageError(`report: no report for run ${runId} under ${reportDir}`);
  const parsed = RunReport.safeParse(JSON.parse(text));
  if (!parsed.success) throw new UsageError(`report: ${reportDir}/${runId}/report.json is not a run report`);
  stdout(output === 'json' ? `${text}\n` : `${renderSummary(parsed.data).join('\n')}\n`);
  return parsed.data.totals.failed + parsed.data.totals.planFailed > 0 ? 1 : 0;
}
