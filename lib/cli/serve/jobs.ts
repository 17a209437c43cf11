import { dirname, resolve } from 'node:path';
import { Cron } from 'croner';
import yaml from 'js-yaml';
import { z } from 'zod';
import { ConfigError, loadConfigFile, parseConfigBytes, parseRuleFile, type ConfigIssue } from '../../rules/index.js';
import { RunOptions } from '../../usecases/index.js';

/**
 * One entry of the jobs file: a schedule (cron, five fields, or six with seconds first) and the rules of
 * a run, from a rule file (relative to the jobs file) or inline (a rule file's content as YAML).
 */
const Job = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" and "-", at most 64'),
    schedule: z.string().min(1),
    /** IANA time zone of the schedule. @default the machine's */
    timezone: z.string().min(1).optional(),
    ruleFile: z.string().min(1).optional(),
    rules: z.unknown().optional(),
    options: RunOptions.default(RunOptions.parse({})),
  })
  .refine((j) => (j.ruleFile === undefined) !== (j.rules === undefined), { message: 'give exactly one of "ruleFile" or "rules"' });

export const JobsFile = z.strictObject({ jobs: z.array(Job).min(1).max(1000) });

/** A validated job: its rules as rule file text, ready for startRun. */
export interface ScheduledJob {
  readonly name: string;
  readonly schedule: string;
  readonly timezone?: string;
  readonly rulesText: string;
  readonly rulesFile: string;
  readonly options: RunOptions;
}

/**
 * Reads and checks the whole jobs file before anything starts: its shape, every schedule, every job's
 * rules (parsed as a run would parse them). Every problem is a ConfigError naming the file, line and field.
 */
export async function loadJobsFile(path: string): Promise<ScheduledJob[]> {
  const loaded = await loadConfigFile(path);
  const parsed = JobsFile.safeParse(loaded.value);
  if (!parsed.success)
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = i.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, '');
        const line = loaded.lineOf('jobs', typeof i.path[2] === 'string' ? i.path[2] : undefined);
        return { file: path, ...(line ? { line } : {}), key: key || '(document)', message: i.message };
      }),
    );
  const issues: ConfigIssue[] = [];
  const jobs: ScheduledJob[] = [];
  const seen = new Set<string>();
  for (const [i, job] of parsed.data.jobs.entries()) {
    const where = { file: path, line: loaded.lineOf('jobs', job.name) };
    if (seen.has(job.name)) issues.push({ ...where, key: `jobs[${i}].name`, message: `"${job.name}" is used by an earlier job` });
    seen.add(job.name);
    const cronProblem = checkSchedule(job.schedule, job.timezone);
    if (cronProblem) issues.push({ ...where, key: `jobs[${i}].schedule`, message: cronProblem });
    try {
      const rules = await rulesOf(path, job);
      parseRuleFile(parseConfigBytes(rules.file, Buffer.from(rules.text)), { defaultRegistry: job.options.registry, defaultNamespace: job.options.ns });
      jobs.push({
        name: job.name,
        schedule: job.schedule,
        ...(job.timezone ? { timezone: job.timezone } : {}),
        rulesText: rules.text,
        rulesFile: rules.file,
        options: job.options,
      });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      issues.push(...err.issues.map((x) => ({ ...x, message: `job ${job.name}: ${x.message}` })));
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return jobs;
}

async function rulesOf(jobsFile: string, job: z.infer<typeof Job>): Promise<{ text: string; file: string }> {
  if (job.rules !== undefined) return { text: yaml.dump(job.rules), file: `${jobsFile} (jobs.${job.name}.rules)` };
  const file = resolve(dirname(jobsFile), job.ruleFile!);
  return { text: (await loadConfigFile(file)).text, file };
}

function checkSchedule(pattern: string, timezone: string | undefined): string | undefined {
  try {
    const probe = new Cron(pattern, { paused: true, ...(timezone ? { timezone } : {}) });
    const next = probe.nextRun();
    probe.stop();
    return next ? undefined : 'the schedule never fires';
  } catch (err) {
    return `not a cron schedule: ${(err as Error).message}`;
  }
}
