import type COS from 'cos-nodejs-sdk-v5';
import type { CamClient, SsmClient, TdmqClient } from '../tencent/clients.js';
import { apiCodeOf } from '../tencent/index.js';
import { MAX_BUCKET_OBJECTS_DELETED } from '../util/limits.js';
import { executionPolicy, executionPolicyName, trustPolicy } from './permissions.js';
import { NOTHING, queueActions } from './plan.js';
import { names, type Deployment } from './schema.js';

/** The COS SDK's bucket calls (cos-nodejs-sdk-v5; lib/store/cos.ts `cosClient` builds one). */
export type BucketApi = Pick<
  COS,
  'headBucket' | 'putBucket' | 'deleteBucket' | 'putBucketTagging' | 'getBucketTagging' | 'putBucketLifecycle' | 'getBucket' | 'deleteObject'
>;

export interface BootstrapClients {
  readonly cam: CamClient;
  readonly ssm: SsmClient;
  readonly tdmq: TdmqClient;
  readonly cos: BucketApi;
}

/** Marks what bootstrap created (tags; an SSM secret's description), so that `undeploy --bootstrap` removes that and only that. */
export const BOOTSTRAP_TAG = 'image-transfer-bootstrap';
const secretMark = (d: Deployment) => `created by image-transfer bootstrap (${d.prefix})`;

export type SecretKind = 'security' | 'apiKey';

/** One call of a bootstrap plan. `secret`: the value is added when the call is made, never held in the plan. */
export interface BootstrapAction {
  readonly service: 'cam' | 'cos' | 'ssm' | 'tdmq';
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly why: string;
  readonly secret?: SecretKind;
}

interface Found {
  /** Created by bootstrap for this deployment (carries its mark). */
  readonly ours: boolean;
}

/** What of a first deploy's prerequisites exists now. */
export interface BootstrapState {
  readonly role?: Found;
  readonly policy?: Found & { readonly id: number; readonly attached: boolean };
  readonly bucket?: Found;
  readonly secrets: Partial<Record<SecretKind, Found>>;
  readonly queues: Record<string, Found | undefined>;
}

/** Which objects the bucket's lifecycle rule expires (from lib/store/layout.ts, handed in by the caller). */
export interface Expiry {
  readonly days: number;
  /** Key prefixes (below the deployment's bucket prefix). */
  readonly prefixes: readonly string[];
  /** Objects under `prefix` that carry this tag (COS filters match a prefix and tags, never a pattern). */
  readonly tagged?: { readonly prefix: string; readonly key: string; readonly value: string };
}

const missing =
  (codes: RegExp) =>
  async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call();
    } catch (err) {
      if (codes.test(apiCodeOf(err)) || (err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  };
// CAM GetRole on a missing role: InvalidParameter.RoleNotExist (CamErrorCode, tencentcloud-sdk-java-intl-en cam/v20190116);
// SSM: ResourceNotFound.SecretNotExist (tencentcloud-sdk-go ssm/v20190923/errors.go); TDMQ: ResourceNotFound; COS: 404
const orMissing = missing(/^(InvalidParameter\.RoleNotExist|ResourceNotFound(\..*)?)$/);

const tagged = (tags: ReadonlyArray<{ Key?: string; Value?: string; TagKey?: string; TagValue?: string }> | undefined, d: Deployment): boolean =>
  (tags ?? []).some((t) => (t.Key ?? t.TagKey) === BOOTSTRAP_TAG && (t.Value ?? t.TagValue) === d.prefix);

/** Managed SSM secrets: a `cos:<key>` security configuration is the user's object, not a secret. */
export function managedSecrets(d: Deployment): Array<[SecretKind, string]> {
  const all: Array<[SecretKind, string]> = [
    ['security', d.secrets.security],
    ['apiKey', d.secrets.apiKey],
  ];
  return all.filter(([, name]) => !name.startsWith('cos:'));
}

/** Reads the role, its policy, the bucket, the secrets and (tdmq-cmq) the queues: read-only. */
export async function readBootstrap(d: Deployment, c: BootstrapClients): Promise<BootstrapState> {
  const role = await orMissing(() => c.cam.GetRole({ RoleName: d.role }));
  const policyName = executionPolicyName(d);
  const listed = await c.cam.ListPolicies({ Keyword: policyName, Scope: 'Local', Rp: 200, Page: 1 });
  const policyId = (listed.List ?? []).find((p) => p.PolicyName === policyName)?.PolicyId;
  let policy: BootstrapState['policy'];
  if (policyId !== undefined) {
    const p = await c.cam.GetPolicy({ PolicyId: policyId });
    const attached = role
      ? ((await c.cam.ListAttachedRolePolicies({ RoleName: d.role, Page: 1, Rp: 200 })).List ?? []).some((a) => a.PolicyId === policyId)
      : false;
    policy = { id: policyId, ours: tagged(p.Tags, d), attached };
  }
  const target = { Bucket: d.bucket.name, Region: d.region };
  let bucket: BootstrapState['bucket'];
  if (await orMissing(() => c.cos.headBucket(target))) {
    // GET Bucket tagging of a bucket without tags: 404 NoSuchTagSet (https://cloud.tencent.com/document/product/436/34837)
    const tags = await orMissing(() => c.cos.getBucketTagging(target));
    bucket = { ours: tagged(tags?.Tags, d) };
  }
  const secrets: BootstrapState['secrets'] = {};
  for (const [kind, name] of managedSecrets(d)) {
    const s = await orMissing(() => c.ssm.DescribeSecret({ SecretName: name }));
    if (s) secrets[kind] = { ours: s.Description === secretMark(d) };
  }
  const queues: BootstrapState['queues'] = {};
  if (d.queue.kind === 'tdmq-cmq') {
    const n = names(d);
    for (const q of [n.queue, n.deadLetter]) {
      const detail = await orMissing(() => c.tdmq.DescribeCmqQueueDetail({ QueueName: q }));
      queues[q] = detail?.QueueDescribe ? { ours: tagged(detail.QueueDescribe.Tags, d) } : undefined;
    }
  }
  return {
    ...(role?.RoleInfo ? { role: { ours: tagged(role.RoleInfo.Tags, d) } } : {}),
    ...(policy ? { policy } : {}),
    ...(bucket ? { bucket } : {}),
    secrets,
    queues,
  };
}

/** The lifecycle rules of a bucket bootstrap creates (PUT Bucket lifecycle, https://cloud.tencent.com/document/product/436/8280). */
export function lifecycleRules(d: Deployment, e: Expiry): COS.LifecycleRule[] {
  const rules: COS.LifecycleRule[] = e.prefixes.map((p, i) => ({
    ID: `image-transfer-expire-${i + 1}`,
    Status: 'Enabled',
    Filter: { Prefix: `${d.bucket.prefix}${p}` },
    Expiration: { Days: e.days },
  }));
  if (e.tagged)
    rules.push({
      ID: `image-transfer-expire-${rules.length + 1}`,
      Status: 'Enabled',
      Filter: { And: { Prefix: `${d.bucket.prefix}${e.tagged.prefix}`, Tag: [{ Key: e.tagged.key, Value: e.tagged.value }] } },
      Expiration: { Days: e.days },
    });
  return rules;
}

/** What a first deploy needs and is missing, and nothing else; [] when everything exists. */
export function planBootstrap(d: Deployment, s: BootstrapState, expiry: Expiry): BootstrapAction[] {
  const out: BootstrapAction[] = [];
  const roleTags = [{ Key: BOOTSTRAP_TAG, Value: d.prefix }];
  const apiTags = [{ TagKey: BOOTSTRAP_TAG, TagValue: d.prefix }];
  const policyName = executionPolicyName(d);
  if (!s.role)
    out.push({
      service: 'cam',
      action: 'CreateRole',
      params: {
        RoleName: d.role,
        PolicyDocument: trustPolicy(),
        Description: 'image-transfer functions (SCF execution role)',
        ConsoleLogin: 0,
        Tags: roleTags,
      },
      why: 'execution role missing',
    });
  if (!s.policy)
    out.push({
      service: 'cam',
      action: 'CreatePolicy',
      params: { PolicyName: policyName, PolicyDocument: executionPolicy(d), Description: `what the ${d.prefix} functions call`, Tags: apiTags },
      why: 'execution policy missing',
    });
  if (!s.policy?.attached)
    out.push({
      service: 'cam',
      action: 'AttachRolePolicy',
      params: { PolicyName: policyName, AttachRoleName: d.role },
      why: 'policy not attached to the role',
    });
  if (!s.bucket) {
    const target = { Bucket: d.bucket.name, Region: d.region };
    out.push({ service: 'cos', action: 'PutBucket', params: { ...target, ACL: 'private' }, why: 'report bucket missing' });
    out.push({ service: 'cos', action: 'PutBucketTagging', params: { ...target, Tags: roleTags }, why: 'mark the bucket as created by bootstrap' });
    out.push({
      service: 'cos',
      action: 'PutBucketLifecycle',
      params: { ...target, Rules: lifecycleRules(d, expiry) },
      why: `expire run state after ${expiry.days} days`,
    });
  }
  for (const [kind, name] of managedSecrets(d))
    if (!s.secrets[kind])
      out.push({
        service: 'ssm',
        action: 'CreateSecret',
        params: { SecretName: name, VersionId: 'v1', Description: secretMark(d), Tags: apiTags },
        why: kind === 'security' ? 'security file secret missing' : 'API key secret missing (a new key is generated)',
        secret: kind,
      });
  const queues: BootstrapState['queues'] = s.queues;
  const current = {
    ...NOTHING,
    queues: Object.fromEntries(Object.entries(queues).map(([q, f]) => [q, f ? { visibilityTimeout: 0, maxReceiveCount: 0 } : undefined])),
  };
  for (const a of queueActions(d, current))
    if (a.action === 'CreateCmqQueue') out.push({ service: 'tdmq', action: a.action, params: { ...a.params, Tags: apiTags }, why: a.why });
  return out;
}

/** A refusal of `undeploy --bootstrap` (a bucket with objects and no --force). */
export class BootstrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootstrapError';
  }
}

/** Removes what bootstrap created, and only that: resources without its mark are left alone. */
export function planUnbootstrap(d: Deployment, s: BootstrapState, bucketObjects: readonly string[], force: boolean): BootstrapAction[] {
  const out: BootstrapAction[] = [];
  const n = names(d);
  for (const q of [n.queue, n.deadLetter])
    if (s.queues[q]?.ours) out.push({ service: 'tdmq', action: 'DeleteCmqQueue', params: { QueueName: q }, why: 'created by bootstrap' });
  for (const [kind, name] of managedSecrets(d))
    if (s.secrets[kind]?.ours)
      out.push({ service: 'ssm', action: 'DeleteSecret', params: { SecretName: name, RecoveryWindowInDays: 0 }, why: 'created by bootstrap' });
  if (s.bucket?.ours) {
    const target = { Bucket: d.bucket.name, Region: d.region };
    if (bucketObjects.length > MAX_BUCKET_OBJECTS_DELETED)
      throw new BootstrapError(
        `bucket ${d.bucket.name} holds more than ${MAX_BUCKET_OBJECTS_DELETED} objects: empty it with a lifecycle rule or the COS console, then run again`,
      );
    if (bucketObjects.length && !force)
      throw new BootstrapError(
        `bucket ${d.bucket.name} still holds ${bucketObjects.length} objects (reports, run state): copy what you need, then run again with --force to delete them and the bucket`,
      );
    for (const key of bucketObjects) out.push({ service: 'cos', action: 'DeleteObject', params: { ...target, Key: key }, why: '--force' });
    out.push({ service: 'cos', action: 'DeleteBucket', params: target, why: 'created by bootstrap' });
  }
  if (s.policy?.ours) {
    if (s.policy.attached)
      out.push({ service: 'cam', action: 'DetachRolePolicy', params: { PolicyId: s.policy.id, DetachRoleName: d.role }, why: 'created by bootstrap' });
    out.push({ service: 'cam', action: 'DeletePolicy', params: { PolicyId: [s.policy.id] }, why: 'created by bootstrap' });
  }
  if (s.role?.ours) out.push({ service: 'cam', action: 'DeleteRole', params: { RoleName: d.role }, why: 'created by bootstrap' });
  return out;
}
