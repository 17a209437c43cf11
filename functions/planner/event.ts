import { z } from 'zod';
import { runKeys } from '../../lib/store/index.js';

const Headers = z.record(z.string(), z.string());

/** Function URL trigger (the HTTP entry since API Gateway went offline on 2025-06-30). */
export const FunctionUrlEvent = z.looseObject({
  httpMethod: z.string(),
  path: z.string(),
  headers: Headers,
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  queryString: z.record(z.string(), z.unknown()).optional(),
});

/** Legacy API Gateway trigger: the same fields plus requestContext. */
export const ApiGatewayEvent = FunctionUrlEvent.extend({ requestContext: z.looseObject({ httpMethod: z.string().optional(), path: z.string().optional() }) });

/** Timer trigger; `Message` (the trigger's CustomArgument) names a stored job: `jobs/<Message>.yaml`. */
export const TimerEvent = z.strictObject({
  Type: z.literal('Timer'),
  TriggerName: z.string(),
  Time: z.string(),
  Message: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'Message must name a stored job (jobs/<name>.yaml)'),
});

/** The planner's own continuation, sent by async self-invocation: the key of the stored plan cursor. */
export const ContinuationEvent = z.strictObject({
  continuation: z.strictObject({
    key: z.string().refine((k) => runKeys.cursorRun(k) !== undefined, 'expected runs/<runId>/plan-cursor.json'),
  }),
});

export type PlannerEvent =
  | { kind: 'http'; method: string; path: string; headers: Record<string, string>; body: string }
  | { kind: 'timer'; job: string }
  | { kind: 'continuation'; cursorKey: string };

export function parsePlannerEvent(event: unknown): PlannerEvent {
  const o = (event ?? {}) as Record<string, unknown>;
  if (o.Type === 'Timer') return { kind: 'timer', job: TimerEvent.parse(event).Message };
  if ('continuation' in o) return { kind: 'continuation', cursorKey: ContinuationEvent.parse(event).continuation.key };
  const http = ('requestContext' in o ? ApiGatewayEvent : FunctionUrlEvent).parse(event);
  const headers = Object.fromEntries(Object.entries(http.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const body = http.isBase64Encoded ? Buffer.from(http.body ?? '', 'base64').toString('utf8') : (http.body ?? '');
  return { kind: 'http', method: http.httpMethod.toUpperCase(), path: http.path, headers, body };
}
