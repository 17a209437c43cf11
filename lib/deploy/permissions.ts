import type { Deployment } from './schema.js';

/**
 * Every CAM action the code calls, in one list: the execution role's policy (bootstrap), the role check
 * (doctor), docs/deploy.md and test/unit/cam-actions.test.ts all read it. Cloud API 3.0 actions are
 * `<service>:<API action>` except that invoking a function is `scf:InvokeFunction` (docs 583/47934,
 * 583/18014); COS actions are named after the COS API (https://cloud.tencent.com/document/product/436/31923);
 * the TDMQ-CMQ data plane's are under `cmqqueue` (https://www.tencentcloud.com/document/product/406/34255).
 */
export const EXECUTION_ACTIONS = {
  scf: ['scf:InvokeFunction'],
  ssm: ['ssm:ListSecretVersionIds', 'ssm:GetSecretValue'],
  // cos:PutObjectTagging: plan slices are written with an `x-cos-tagging` header (their expiry rule matches
  // the tag); S3 requires the tagging action for that header, COS's PutObject page does not say, so it is granted.
  cos: ['cos:PutObject', 'cos:PutObjectTagging', 'cos:GetObject', 'cos:GetBucket', 'cos:DeleteObject'],
  cmq: ['cmqqueue:BatchSendMessage', 'cmqqueue:BatchReceiveMessage', 'cmqqueue:DeleteMessage'],
  tcr: [
    'tcr:CreateInstanceToken',
    'tcr:DescribeInstances',
    'tcr:DescribeNamespaces',
    'tcr:DescribeRepositories',
    'tcr:CreateNamespace',
    'tcr:CreateRepository',
    'tcr:DescribeNamespacePersonal',
    'tcr:DescribeRepositoryOwnerPersonal',
    'tcr:DescribeImagePersonal',
  ],
} as const;

/** What `npm run deploy`, `undeploy`, `--bootstrap` and `--check` call with the deployer's keys. */
export const DEPLOYER_ACTIONS = {
  scf: [
    'scf:GetFunction',
    'scf:CreateFunction',
    'scf:UpdateFunctionCode',
    'scf:UpdateFunctionConfiguration',
    'scf:PublishVersion',
    'scf:DeleteFunction',
    'scf:ListTriggers',
    'scf:CreateTrigger',
    'scf:DeleteTrigger',
    'scf:GetFunctionEventInvokeConfig',
    'scf:UpdateFunctionEventInvokeConfig',
  ],
  cam: ['cam:PassRole'],
  tdmq: ['tdmq:DescribeCmqQueueDetail', 'tdmq:CreateCmqQueue', 'tdmq:ModifyCmqQueueAttribute', 'tdmq:DeleteCmqQueue'],
  bootstrap: [
    'cam:GetRole',
    'cam:CreateRole',
    'cam:DeleteRole',
    'cam:ListPolicies',
    'cam:GetPolicy',
    'cam:CreatePolicy',
    'cam:DeletePolicy',
    'cam:AttachRolePolicy',
    'cam:DetachRolePolicy',
    'cam:ListAttachedRolePolicies',
    'cos:PutBucket',
    'cos:HeadBucket',
    'cos:DeleteBucket',
    'cos:PutBucketTagging',
    'cos:GetBucketTagging',
    'cos:PutBucketLifecycle',
    'ssm:CreateSecret',
    'ssm:DescribeSecret',
    'ssm:DeleteSecret',
  ],
} as const;

/** The execution role's actions for this deployment (the CMQ data plane only in tdmq-cmq mode). */
export function executionActions(d: Deployment): string[] {
  const a = EXECUTION_ACTIONS;
  return [...a.scf, ...a.ssm, ...a.cos, ...(d.queue.kind === 'tdmq-cmq' ? a.cmq : []), ...a.tcr];
}

/** CAM's service principal of SCF: the role's trust policy lets functions assume it. */
export const SCF_PRINCIPAL = 'scf.qcloud.com';

/** The role's trust policy (CAM policy syntax 2.0, https://cloud.tencent.com/document/product/598/10603). */
export const trustPolicy = (): string =>
  JSON.stringify({ version: '2.0', statement: [{ action: 'name/sts:AssumeRole', effect: 'allow', principal: { service: [SCF_PRINCIPAL] } }] });

/**
 * The execution role's permission policy: COS actions limited to the report bucket's prefix
 * (`qcs::cos:<region>:uid/<appid>:<bucket>/<prefix>*`, resource syntax of https://cloud.tencent.com/document/product/436/12469),
 * the others on `*` (SSM, SCF and TCR resources name the account's uin, which the deployer's keys do not reveal).
 */
export function executionPolicy(d: Deployment): string {
  const appid = d.bucket.name.slice(d.bucket.name.lastIndexOf('-') + 1);
  const bucket = `qcs::cos:${d.region}:uid/${appid}:${d.bucket.name}`;
  const all = executionActions(d);
  const cos = all.filter((a) => a.startsWith('cos:'));
  return JSON.stringify({
    version: '2.0',
    statement: [
      { effect: 'allow', action: cos.map((a) => `name/${a}`), resource: [`${bucket}/${d.bucket.prefix}*`, `${bucket}/`] },
      { effect: 'allow', action: all.filter((a) => !a.startsWith('cos:')).map((a) => `name/${a}`), resource: ['*'] },
    ],
  });
}

/** The policy bootstrap attaches to the role: one per deployment prefix. */
export const executionPolicyName = (d: Deployment): string => `${d.prefix}-execution`;

type Statement = { effect?: string; action?: string | string[] };

function patterns(document: string, effect: 'allow' | 'deny'): RegExp[] {
  let doc: { statement?: Statement[] };
  try {
    doc = JSON.parse(document);
  } catch {
    return [];
  }
  return (Array.isArray(doc.statement) ? doc.statement : [])
    .filter((s) => s.effect === effect)
    .flatMap((s) => (Array.isArray(s.action) ? s.action : s.action ? [s.action] : []))
    .map(
      (p) =>
        new RegExp(
          `^${p
            .replace(/^name\//, '')
            .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '.*')}$`,
        ),
    );
}

/**
 * Whether the policy documents (all those attached to a role) grant an action: an allow statement names it
 * and no deny statement does (CAM: an explicit deny wins). `name/` prefixes and `*` wildcards are understood;
 * conditions and resources are not evaluated.
 */
export function grantedBy(...documents: string[]): (action: string) => boolean {
  const allow = documents.flatMap((d) => patterns(d, 'allow'));
  const deny = documents.flatMap((d) => patterns(d, 'deny'));
  return (action) => allow.some((p) => p.test(action)) && !deny.some((p) => p.test(action));
}
