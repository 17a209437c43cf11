import {
  RunRequest,
  checkRegistryPolicy,
  continueRun,
  handleApiRequest,
  planSources,
  rulesOfRequest,
  startRun,
  type ApiDeps,
  type StartRunDeps,
} from '../../lib/usecases/index.js';
import { deadlineFrom, type Deadline } from '../_shared/deadline.js';
import type { HttpResponse } from '../_shared/http.js';
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

function apiDeps(w: Wiring, deadline: Deadline): ApiDeps {
  const runDeps = deps(w, true);
  return {
    store: w.store,
    runDeps,
    ...(w.env.IT_AUTH === 'hmac' ? { apiKey: () => w.apiKey() } : {}),
    budget: () => ({ deadline: deadline.at, signal: deadline.signal }),
    startCcr: (request) => startCcrRun(w, runDeps, request, true, deadline.signal),
    location: (key) => `cos://${w.env.IT_BUCKET}/${w.env.IT_BUCKET_PREFIX}${key}`,
  };
}

/** Planner: HTTP (the API of lib/usecases/cloud/api.ts, signed), timer (a stored job) or its own continuation. */
export async function main_handler(event: unknown, context: unknown): Promise<HttpResponse | unknown> {
  const w = (wiring ??= wire());
  const deadline = deadlineFrom(ScfContext.parse(context ?? {}), 60_000);
  const budget = { deadline: deadline.at, signal: deadline.signal };
  const parsed = parsePlannerEvent(event);
  if (parsed.kind === 'continuation') return continueRun(deps(w, false), parsed.cursorKey, budget);
  if (parsed.kind === 'timer') {
    const r = await rulesOfRequest(w.store, RunRequest.parse({ job: parsed.job }));
    return startRun(deps(w, false), r.text, r.file, r.options, budget);
  }
  const answer = await handleApiRequest(apiDeps(w, deadline), parsed);
  return { statusCode: answer.status, headers: { 'content-type': answer.contentType }, body: answer.body };
}
