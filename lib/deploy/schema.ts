import { z } from 'zod';

const Cron = z.string().regex(/^(\S+\s+){6}\S+$/, 'a 7-field SCF cron: second minute hour day month weekday year');
const TimerTrigger = z.strictObject({
  type: z.literal('timer'),
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,59}$/),
  cron: Cron,
  message: z.string().max(1024).optional(),
});
/** Function URL; `NONE` still requires the HMAC signature checked by the planner itself. */
const HttpTrigger = z.strictObject({
  type: z.literal('http'),
  name: z.string().default('function-url'),
  auth: z.enum(['NONE', 'CAM']).default('NONE'),
  intranet: z.boolean().default(false),
});
const Trigger = z.discriminatedUnion('type', [TimerTrigger, HttpTrigger]);

/** An SSM secret name: letters, digits, `-` and `_`, at most 128 bytes, first a letter or digit (CreateSecretRequest.SecretName, ssm_models.d.ts). */
const SecretName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, 'an SSM secret name: letters, digits, - and _ (no /), at most 128');

const FunctionSpec = z.strictObject({
  /** MB: 64, or 128–3072 in steps of 128 (SCF limits). */
  memory: z
    .number()
    .int()
    .refine((m) => m === 64 || (m >= 128 && m <= 3072 && m % 128 === 0), 'SCF memory is 64 or 128–3072 MB in 128 MB steps'),
  /** Seconds, 1–900. */
  timeout: z.number().int().min(1).max(900),
  triggers: z.array(Trigger).default([]),
});

/**
 * TDMQ for CMQ data-plane endpoints. Per region there are two (doc "CMQ 接入点切换",
 * https://cloud.tencent.com/document/product/1496/122722): the public `https://cmq-<short>.public.tencenttdmq.com`
 * and the private `http://<short>.mqadapter.cmq.tencentyun.com`, reachable only from inside a VPC (so a
 * function needs `vpc` to use it). Short region names as the CMQ domain docs list them
 * (https://www.tencentcloud.com/document/api/406/12667).
 */
const CMQ_SHORT_REGION: Readonly<Record<string, string>> = {
  'ap-guangzhou': 'gz',
  'ap-shanghai': 'sh',
  'ap-beijing': 'bj',
  'ap-hongkong': 'hk',
  'ap-chengdu': 'cd',
  'ap-singapore': 'sg',
  'ap-bangkok': 'th',
  'ap-mumbai': 'in',
  'na-toronto': 'ca',
  'na-siliconvalley': 'usw',
  'na-ashburn': 'use',
};

/** The public CMQ endpoint of a region, or undefined when its short name is not known here. */
export function cmqPublicEndpoint(region: string): string | undefined {
  const short = CMQ_SHORT_REGION[region];
  return short ? `https://cmq-${short}.public.tencenttdmq.com` : undefined;
}

/** The VPC-only endpoints: `*.mqadapter.cmq.tencentyun.com` (and the legacy `cmq-queue-*.api.tencentyun.com`). */
export function isPrivateCmqEndpoint(endpoint: string): boolean {
  return URL.canParse(endpoint) && new URL(endpoint).hostname.endsWith('.tencentyun.com');
}

/**
 * The deployment description (`serverless.ts`), applied by `npm run deploy` through the SCF and TDMQ
 * APIs. Environment values are derived from it and hold names only: secrets stay in SSM.
 */
export const Deployment = z
  .strictObject({
    region: z.string().regex(/^[a-z]{2}-[a-z]+(-[a-z0-9]+)*$/),
    namespace: z.string().default('default'),
    /** Prefix of every resource name: `<prefix>-planner`, `<prefix>-tasks`, … */
    prefix: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,30}$/)
      .default('image-transfer'),
    runtime: z.literal('Nodejs20.19').default('Nodejs20.19'),
    /** Execution role (CAM role name) whose temporary keys the functions use. */
    role: z.string().min(1),
    vpc: z.strictObject({ vpcId: z.string(), subnetId: z.string() }).optional(),
    bucket: z.strictObject({ name: z.string().regex(/^[a-z0-9-]+-\d+$/, 'expected <name>-<appid>'), prefix: z.string().default('image-transfer/') }),
    queue: z.discriminatedUnion('kind', [
      z.strictObject({
        kind: z.literal('scf-async'),
        retries: z.number().int().min(0).max(2).default(2),
        ttlSeconds: z.number().int().min(60).max(21600).default(21600),
      }),
      z.strictObject({
        kind: z.literal('tdmq-cmq'),
        /** Data-plane endpoint (TDMQ console, "API 请求地址"); default: the region's public one. A private one needs `vpc`. */
        endpoint: z.string().url().optional(),
        visibilityTimeout: z.number().int().min(1).max(43200).default(960),
        maxReceiveCount: z.number().int().min(1).max(1000).default(5),
        retentionSeconds: z.number().int().min(60).max(43200).default(43200),
        workers: z.number().int().min(1).max(500).default(8),
      }),
    ]),
    /** SSM secret (or `cos:<key>`) holding the security file; SSM secret holding the HMAC key. */
    secrets: z.strictObject({ security: SecretName.or(z.string().regex(/^cos:.+/)), apiKey: SecretName }),
    functions: z.strictObject({ planner: FunctionSpec, transfer: FunctionSpec, aggregator: FunctionSpec }),
  })
  .superRefine((d, ctx) => {
    if (d.queue.kind !== 'tdmq-cmq') {
      const at = d.functions.transfer.triggers.findIndex((t) => t.name === RESTART_WORKERS.name);
      if (at >= 0)
        ctx.addIssue({
          code: 'custom',
          path: ['functions', 'transfer', 'triggers', at],
          message: `the ${RESTART_WORKERS.name} timer restarts TDMQ-CMQ workers; with queue kind scf-async there are none: remove it`,
        });
      return;
    }
    const path = ['queue', 'endpoint'];
    if (d.queue.endpoint === undefined && !cmqPublicEndpoint(d.region))
      ctx.addIssue({ code: 'custom', path, message: `no known public CMQ endpoint for ${d.region}: copy it from the TDMQ console` });
    if (d.queue.endpoint !== undefined && isPrivateCmqEndpoint(d.queue.endpoint) && !d.vpc)
      ctx.addIssue({
        code: 'custom',
        path,
        message: `${d.queue.endpoint} is the private (VPC-only) CMQ endpoint: set vpc, or use the public ${cmqPublicEndpoint(d.region) ?? 'https://cmq-<region>.public.tencenttdmq.com'}`,
      });
  })
  .transform((d) => (d.queue.kind === 'tdmq-cmq' ? { ...d, queue: { ...d.queue, endpoint: d.queue.endpoint ?? cmqPublicEndpoint(d.region)! } } : d));
export type Deployment = z.infer<typeof Deployment>;
export type DeploymentInput = z.input<typeof Deployment>;
export type FunctionRole = keyof Deployment['functions'];
export const FUNCTION_ROLES: readonly FunctionRole[] = ['planner', 'transfer', 'aggregator'];

export const names = (d: Deployment) => ({
  fn: (role: FunctionRole) => `${d.prefix}-${role}`,
  queue: `${d.prefix}-tasks`,
  deadLetter: `${d.prefix}-tasks-dlq`,
});

/** The functions' environment (see functions/_shared/env.ts): names and switches, never secret values. */
export function environmentOf(d: Deployment): Record<string, string> {
  const n = names(d);
  return {
    IT_REGION: d.region,
    IT_BUCKET: d.bucket.name,
    IT_BUCKET_PREFIX: d.bucket.prefix,
    IT_QUEUE: d.queue.kind,
    ...(d.queue.kind === 'tdmq-cmq' ? { IT_CMQ_ENDPOINT: d.queue.endpoint, IT_CMQ_QUEUE: n.queue, IT_WORKERS: String(d.queue.workers) } : {}),
    IT_NAMESPACE: d.namespace,
    IT_PLANNER_FUNCTION: n.fn('planner'),
    IT_TRANSFER_FUNCTION: n.fn('transfer'),
    IT_SECURITY: d.secrets.security,
    IT_API_KEY_SECRET: d.secrets.apiKey,
    IT_AUTH: d.functions.planner.triggers.some((t) => t.type === 'http' && t.auth === 'CAM') ? 'cam' : 'hmac',
  };
}

/**
 * The worker-restart timer of the TDMQ-CMQ mode (DESIGN.md: a timer on `transfer` restarts workers that
 * died). Deploy adds it to `transfer` in that mode only; scf-async has no workers to restart.
 */
export const RESTART_WORKERS = { type: 'timer', name: 'restart-workers', cron: '0 */10 * * * * *' } as const;

/** The triggers a function really gets: its declared ones, plus the worker-restart timer in tdmq-cmq mode. */
export function triggersOf(d: Deployment, role: FunctionRole): Deployment['functions'][FunctionRole]['triggers'] {
  const declared = d.functions[role].triggers;
  if (role !== 'transfer' || d.queue.kind !== 'tdmq-cmq' || declared.some((t) => t.name === RESTART_WORKERS.name)) return declared;
  return [...declared, { ...RESTART_WORKERS }];
}
