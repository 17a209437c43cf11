import yaml from 'js-yaml';
import { jobKey } from '../../lib/store/index.js';
import {
  JobFile,
  RunRequest,
  checkRegistryPolicy,
  continueRun,
  planSources,
  runStatus,
  startRun,
  type StartRunDeps,
  type StartRunResult,
} from '../../lib/usecases/index.js';
import { CodedError } from '../../lib/util/errors.js';
import { redact } from '../../lib/util/redact.js';
import { SIGNATURE_HEADER, verifyRequest } from '../../lib/util/request-signature.js';
import { deadlineFrom } from '../_shared/deadline.js';
import { errorResponse, json, type HttpResponse } from '../_shared/http.js';
import { ScfContext } from '../_shared/scf-context.js';
import { wire, type Wiring } from '../_shared/wiring.js';
import { startCcrRun } from './ccr-source.js';
import { parsePlannerEvent } from './event.js';
import { startWorkers } from '../_shared/workers.js';

let wiring: Wiring | undefined;

function deps(w: Wiring, fromHttp: boolean): StartRunDeps {
  return {
    store: w.store,
    sink: w.sink,
    ...planSources(w.pool),
    continueLater: (key: string) => w.invoke(w.env.IT_PLANNER_FUNCTION, { continuation: { key } }),
    ...(w.source
      ? {
          startWorkers: async () => void (await startWorkers(w)),
        }
      : {}),
    ...(fromHttp ? { checkRules: async (rules) => checkRegistryPolicy(rules, (await w.security()).registries, w.env.IT_ALLOW_INTERNAL) } : {}),
  };
}

async function rulesOf(w: Wiring, request: RunRequest): Promise<{ text: string; file: string; options: RunRequest['options'] }> {
  if (request.rules) return { text: request.rules, file: 'request.rules', options: request.options };
  const key = request.rulesKey ?? jobKey(request.job!);
  const text = await w.store.get(key);
  if (text === undefined) throw new CodedError('CONFIG_INVALID', `${key} not found in the bucket`);
  if (request.rulesKey) return { text, file: key, options: request.options };
  const job = JobFile.parse(yaml.load(text));
  return { text: yaml.dump(job.rules), file: key, options: job.options };
}

/** Planner: HTTP (POST /runs, GET /runs/<id>, signed), timer (a stored job) or its own continuation. */
export async function main_handler(event: unknown, context: unknown): Promise<HttpResponse | unknown> {
  const w = (wiring ??= wire());
  const deadline = deadlineFrom(ScfContext.parse(context ?? {}), 60_000);
  const budget = { deadline: deadline.at, signal: deadline.signal };
  const parsed = parsePlannerEvent(event);
  if (parsed.kind === 'continuation') return continueRun(deps(w, false), parsed.cursorKey, budget);
  if (parsed.kind === 'timer') {
    const r = await rulesOf(w, RunRequest.parse({ job: parsed.job }));
    return startRun(deps(w, false), r.text, r.file, r.options, budget);
  }
  if (w.env.IT_AUTH === 'hmac') {
    const refused = verifyRequest(await w.apiKey(), parsed.headers[SIGNATURE_HEADER], parsed.method, parsed.path, parsed.body);
    if (refused) return json(401, { error: { code: 'UNAUTHORIZED', message: refused } });
  }
  try {
    const status = parsed.path.match(/^\/runs\/([A-Za-z0-9._-]+)$/);
    if (parsed.method === 'GET' && status) return json(200, await runStatus(w.store, status[1]!));
    if (parsed.method !== 'POST' || !/^\/(runs\/?)?$/.test(parsed.path))
      return json(404, { error: { code: 'NOT_FOUND', message: 'POST /runs or GET /runs/<runId>' } });
    const request = RunRequest.parse(JSON.parse(parsed.body || '{}'));
    let started: StartRunResult;
    if (request.ccr) started = await startCcrRun(w, deps(w, true), request, true, deadline.signal);
    else {
      const r = await rulesOf(w, request);
      started = await startRun(deps(w, true), r.text, r.file, r.options, budget);
    }
    return json(202, { ...started, status: `/runs/${started.runId}` });
  } catch (err) {
    const response = errorResponse(err);
    return { ...response, body: redact(response.body) };
  }
}
