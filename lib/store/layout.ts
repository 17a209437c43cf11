/**
 * Every key of the object store, in one place. Nothing else builds a key by hand.
 *
 * The bucket (serverless) and the report directory (CLI) hold:
 *   runs/<runId>/plan/<slice>.json      tasks and plan failures of one planner invocation
 *   runs/<runId>/plan.json              written last by the planner: the run is completely planned
 *   runs/<runId>/plan-cursor.json       where the next planner invocation resumes (its async event names this key)
 *   runs/<runId>/plan-rules             the run's rule file text, kept for the planner's continuations
 *   runs/<runId>/results/<taskId>.json  one per task, rewritten by every attempt
 *   runs/<runId>/failed/<taskId>        empty marker: an attempt of the task failed (a cheap count while running;
 *                                       runs before it have none, and the report stays the authority)
 *   runs/<runId>/report.{json,html,md}, failed.yaml   the run's report (report.json written last)
 *   jobs/<name>.yaml                    a stored job: `{rules, options}`, named by a timer's Message
 *   checkpoints/<hash>.json             resumable upload checkpoints
 *   pull-budget/<registry>/policy.json  the shared pull budget of a registry
 *   pull-budget/<registry>/tokens/<s>/<n>  use n of token s (create-only)
 *   pull-budget/probe/<uuid>            the ledger's check that the bucket refuses overwrites
 *   workers/<slot>.json                 the lease and health of TDMQ-CMQ worker slot <slot> (running, failed to receive...)
 * The CLI's report directory holds one run per folder: `<runId>/report.{json,html,md}`, failed.yaml.
 */

export const REPORT_FILES = {
  json: 'report.json',
  html: 'report.html',
  markdown: 'report.md',
  failedRules: 'failed.yaml',
} as const;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export const runKeys = {
  slice: (runId: string, slice: number) => `runs/${runId}/plan/${pad(slice, 5)}.json`,
  slices: (runId: string) => `runs/${runId}/plan/`,
  plan: (runId: string) => `runs/${runId}/plan.json`,
  result: (runId: string, taskId: string) => `runs/${runId}/results/${taskId}.json`,
  results: (runId: string) => `runs/${runId}/results/`,
  failedMarker: (runId: string, taskId: string) => `runs/${runId}/failed/${taskId}`,
  failedMarkers: (runId: string) => `runs/${runId}/failed/`,
  report: (runId: string) => `runs/${runId}/${REPORT_FILES.json}`,
  prefix: (runId: string) => `runs/${runId}`,
  planCursor: (runId: string) => `runs/${runId}/plan-cursor.json`,
  planRules: (runId: string) => `runs/${runId}/plan-rules`,
  /** The run id of a `runs/<runId>/plan-cursor.json` key, else undefined. */
  cursorRun: (key: string) => key.match(/^runs\/([A-Za-z0-9._-]{1,80})\/plan-cursor\.json$/)?.[1],
  /** Every run: list this to find them. */
  all: 'runs/',
  /** The run id of a `runs/<runId>/plan.json` key, else undefined. */
  plannedRun: (key: string) => key.match(/^runs\/([^/]+)\/plan\.json$/)?.[1],
  /** The run id of a `runs/<runId>/report.json` key, else undefined. */
  reportedRun: (key: string) => key.match(/^runs\/([^/]+)\/report\.json$/)?.[1],
};

/** The CLI's report directory: one folder per run. */
export const localRunKeys = {
  prefix: (runId: string) => runId,
  report: (runId: string) => `${runId}/${REPORT_FILES.json}`,
};

/** A file of a run's report under `prefix` (`runs/<id>` or `<id>`). */
export function reportFileKey(prefix: string, name: string): string {
  const base = prefix.replace(/\/+$/, '');
  return base ? `${base}/${name}` : name;
}

export const jobKey = (name: string): string => `jobs/${name}.yaml`;

export const checkpointKeys = {
  /** `hash`: a fixed-length hex digest of the checkpoint's own key. */
  of: (hash: string) => `checkpoints/${hash}.json`,
};

export const pullBudgetKeys = {
  /** Everything of every registry's budget. */
  all: 'pull-budget/',
  policy: (registry: string) => `pull-budget/${registry}/policy.json`,
  tokens: (registry: string) => `pull-budget/${registry}/tokens/`,
  token: (registry: string, slot: number, use: number) => `pull-budget/${registry}/tokens/${pad(slot, 5)}/${pad(use, 10)}`,
  /** Slot and use of a token key, else undefined. */
  parseToken: (key: string): { slot: number; use: number } | undefined => {
    const m = key.match(/tokens\/(\d{5})\/(\d{10})$/);
    return m ? { slot: Number(m[1]), use: Number(m[2]) } : undefined;
  },
  probe: (id: string) => `pull-budget/probe/${id}`,
};

/**
 * What the bucket's lifecycle rule (`npm run deploy -- --bootstrap`) expires: the pull-budget ledger and the
 * plan slices of runs. COS lifecycle filters match a key prefix and tags, never a pattern (PUT Bucket
 * lifecycle, https://cloud.tencent.com/document/product/436/8280), so a slice, under `runs/<runId>/plan/`, is
 * written with a tag (`x-cos-tagging`, PUT Object https://cloud.tencent.com/document/product/436/7749) and
 * the rule matches the prefix `runs/` with that tag.
 */
export const expiringKeys = {
  prefixes: [pullBudgetKeys.all],
  tagged: { prefix: runKeys.all, key: 'image-transfer-expire', value: 'plan' },
  /** The `x-cos-tagging` value of an object written at `key`, or undefined. */
  taggingOf: (key: string): string | undefined => (/^runs\/[^/]+\/plan\//.test(key) ? 'image-transfer-expire=plan' : undefined),
};

export const workerKeys = {
  /** Every worker slot's record: list this to count live workers and see failed ones. */
  all: 'workers/',
  slot: (slot: number) => `workers/${pad(slot, 3)}.json`,
};
