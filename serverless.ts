import { Deployment, type DeploymentInput } from './lib/deploy/schema.js';

/**
 * The deployment, typed and checked (zod): three functions, their triggers, the queue and the report
 * bucket. Override any value with `npm run deploy -- --config my-values.yaml`.
 * (`@serverless/typescript` types AWS only; this is our own description, applied through the SCF API.)
 */
const description: DeploymentInput = {
  region: 'ap-guangzhou',
  namespace: 'default',
  prefix: 'image-transfer',
  role: 'SCF_ImageTransferRole',
  bucket: { name: 'image-transfer-reports-1250000000', prefix: 'image-transfer/' },
  // two queue modes: scf-async (one SCF async invocation per image: SCF's own queue, retries and TTL) and
  // the designed fan-out, one setting away: `queue: { kind: 'tdmq-cmq' }` (K workers over a TDMQ for CMQ
  // queue; the region's public endpoint by default, a `workers` count, a visibility timeout above 900 s)
  queue: { kind: 'scf-async', retries: 2, ttlSeconds: 21600 },
  secrets: { security: 'image-transfer-security', apiKey: 'image-transfer-api-key' },
  functions: {
    planner: {
      memory: 256,
      timeout: 900,
      triggers: [
        { type: 'http', name: 'function-url', auth: 'NONE' },
        { type: 'timer', name: 'nightly', cron: '0 0 2 * * * *', message: 'nightly-mirror' },
      ],
    },
    // streams layers, never buffers them: a 1 GiB layer peaked at 111 MiB of RSS (bench/handler-rss.ts,
    // docs/benchmarks.md), so 256 MB fits; 900 s is the SCF maximum. In tdmq-cmq mode deploy adds the
    // restart-workers timer to it (lib/deploy/schema.ts RESTART_WORKERS)
    transfer: { memory: 256, timeout: 900 },
    aggregator: { memory: 256, timeout: 300, triggers: [{ type: 'timer', name: 'every-5-minutes', cron: '0 */5 * * * * *' }] },
  },
};

export const deployment: Deployment = Deployment.parse(description);
export { description };
