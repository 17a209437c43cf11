import yaml from 'js-yaml';
import { z } from 'zod';
import { jobKey, REPORT_FILES, reportFileKey, runKeys, type ObjectStore } from '../../store/index.js';
import { codeOf, CodedError, hasCode, messageOf, systemCodeOf } from '../../util/errors.js';
import { MAX_API_BODY_BYTES, MAX_LISTED_RUNS } from '../../util/limits.js';
import { redact } from '../../util/redact.js';
import { SIGNATURE_HEADER, verifyRequest } from '../../util/request-signature.js';
import { JobFile, RunRequest } from './run-request.js';
import { runStatus } from './run-status.js';
import { startRun, type StartRunDeps, type StartRunResult } from './start-run.js';

/** One HTTP call to the planner's API, whatever carried it (a Function URL event, `image-transfer serve`). */
export interface ApiRequest {
  readonly method: string;
  /** The path without its query string. */
  readonly path: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export interface ApiDeps {
  readonly store: ObjectStore;
  /** Runs started over HTTP: `checkRules` must be set (the registry policy). */
  readonly runDeps: StartRunDeps;
  /** The HMAC key every request is signed with; absent: signatures are not checked (CAM, or serve on loopback). */
  apiKey?(): Promise<string>;
  budget(): { deadline: number; signal?: AbortSignal };
  /** CCR -> TCR runs (the functions only: they need the role's cloud keys). */
  startCcr?(request: RunRequest): Promise<StartRunResult>;
  /** Where a store key is for the user (`cos://<bucket>/<prefix><key>`, or a path under serve's data dir). */
  location?(key: string): string;
}

/** What a run request names: rules inline, a stored rule file, or a stored job (`jobs/<name>.yaml`). */
export async function rulesOfRequest(store: ObjectStore, request: RunRequest): Promise<{ text: string; file: string; options: RunRequest['options'] }> {
  if (request.rules) return { text: request.rules, file: 'request.rules', options: request.options };
  const key = request.rulesKey ?? jobKey(request.job!);
  const text = await store.get(key);
  if (text === undefined) throw new CodedError('CONFIG_INVALID', `${key} not found in the bucket`);
  if (request.rulesKey) return { text, file: key, options: request.options };
  const job = JobFile.parse(yaml.load(text));
  return { text: yaml.dump(job.rules), file: key, options: job.options };
}

const RUN_ID = '([A-Za-z0-9][A-Za-z0-9._-]{0,79})';
const ROUTES = 'POST /runs, GET /runs, GET /runs/<runId>, GET /runs/<runId>/report.html';

const json = (status: number, body: unknown): ApiResponse => ({ status, contentType: 'application/json', body: JSON.stringify(body) });
const fail = (status: number, code: string, message: string): ApiResponse => json(status, { error: { code, message } });

/**
 * The planner's HTTP API: signature check, routing, request parsing, one use case per route. Failures
 * are answered (bad input 400, policy 403, anything else 500), never thrown; messages are redacted.
 */
export async function handleApiRequest(deps: ApiDeps, request: ApiRequest): Promise<ApiResponse> {
  if (Buffer.byteLength(request.body) > MAX_API_BODY_BYTES) return fail(413, 'BAD_REQUEST', `request body over ${MAX_API_BODY_BYTES} bytes`);
  if (deps.apiKey) {
    const refused = verifyRequest(await deps.apiKey(), request.headers[SIGNATURE_HEADER], request.method, request.path, request.body);
    if (refused) return fail(401, 'UNAUTHORIZED', refused);
  }
  try {
    return await route(deps, request);
  } catch (err) {
    const answer = errorAnswer(err);
    return { ...answer, body: redact(answer.body) };
  }
}

async function route(deps: ApiDeps, { method, path, body }: ApiRequest): Promise<ApiResponse> {
  const status = path.match(new RegExp(`^/runs/${RUN_ID}$`));
  if (method === 'GET' && status) return json(200, await runStatus(deps.store, status[1]!, deps.location ? { location: (key) => deps.location!(key) } : {}));
  const html = path.match(new RegExp(`^/runs/${RUN_ID}/report\\.html$`));
  if (method === 'GET' && html) {
    const page = await deps.store.get(reportFileKey(runKeys.prefix(html[1]!), REPORT_FILES.html));
    return page === undefined
      ? fail(404, 'NOT_FOUND', `run ${html[1]} has no report yet`)
      : { status: 200, contentType: 'text/html; charset=utf-8', body: page };
  }
  if (method === 'GET' && /^\/runs\/?$/.test(path)) return json(200, { runs: await recentRuns(deps.store) });
  if (method !== 'POST' || !/^\/(runs\/?)?$/.test(path)) return fail(404, 'NOT_FOUND', ROUTES);
  const request = RunRequest.parse(JSON.parse(body || '{}'));
  let started: StartRunResult;
  if (request.ccr) {
    if (!deps.startCcr) return fail(400, 'BAD_REQUEST', 'CCR -> TCR runs need the deployed planner (the role of the function)');
    started = await deps.startCcr(request);
  } else {
    const r = await rulesOfRequest(deps.store, request);
    started = await startRun(deps.runDeps, r.text, r.file, r.options, deps.budget());
  }
  return json(202, { ...started, status: `/runs/${started.runId}` });
}

/** The newest runs first (run ids start with their UTC start time), at most MAX_LISTED_RUNS. */
export async function recentRuns(store: ObjectStore): Promise<Awaited<ReturnType<typeof runStatus>>[]> {
  const ids = new Set((await store.list(runKeys.all)).map((k) => k.split('/')[1]!).filter(Boolean));
  const newest = [...ids].sort().reverse().slice(0, MAX_LISTED_RUNS);
  return Promise.all(newest.map((id) => runStatus(store, id)));
}

/** Maps a failure to an answer: bad input 400, policy 403, anything else 500. */
function errorAnswer(err: unknown): ApiResponse {
  if (err instanceof z.ZodError) return fail(400, 'BAD_REQUEST', z.prettifyError(err));
  if (err instanceof SyntaxError) return fail(400, 'BAD_REQUEST', `the body is not JSON: ${err.message}`);
  const code = codeOf(err);
  if (hasCode(err, 'CONFIG_INVALID')) return fail(400, code!, messageOf(err));
  if (hasCode(err, 'POLICY_REFUSED')) return fail(403, code!, messageOf(err));
  return fail(500, code ?? systemCodeOf(err) ?? 'INTERNAL', messageOf(err));
}
