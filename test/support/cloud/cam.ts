import { CloudApiError } from './tc3.js';
import type { CloudFake } from './server.js';

/**
 * CAM (cam 2019-01-16) for the calls bootstrap and doctor make: roles, custom policies, attachments.
 * Shapes: cam_models.d.ts of tencentcloud-sdk-nodejs (GetRoleResponse.RoleInfo, CreateRoleRequest.Tags: RoleTags
 * {Key, Value}, CreatePolicyRequest.Tags / GetPolicyResponse.Tags: Tag {TagKey, TagValue}, ListPoliciesResponse.List:
 * StrategyInfo, ListAttachedRolePoliciesRequest.Page/Rp required, Rp at most 200, DeletePolicyRequest.PolicyId: number[]).
 * Error codes: CamErrorCode of tencentcloud-sdk-java-intl-en (cam/v20190116): InvalidParameter.RoleNameInUse ("A role with
 * the same name already exists"), InvalidParameter.RoleNotExist, FailedOperation.PolicyNameInUse,
 * InvalidParameter.PolicyIdNotExist, ResourceNotFound.PolicyIdNotFound, InvalidParameter.PolicyDocumentError,
 * InvalidParameter.ActionError, InvalidParameter.PrincipalError.
 */
export interface CamRole {
  RoleId: string;
  RoleName: string;
  PolicyDocument: string;
  Description: string;
  Tags: Array<{ Key: string; Value: string }>;
  attached: Set<number>;
}
export interface CamPolicy {
  PolicyId: number;
  PolicyName: string;
  PolicyDocument: string;
  Description: string;
  Tags: Array<{ TagKey: string; TagValue: string }>;
}

export interface CamModel {
  readonly roles: Map<string, CamRole>;
  readonly policies: Map<number, CamPolicy>;
}

/** CAM policy syntax 2.0 (https://cloud.tencent.com/document/product/598/10603): version, statement[{effect, action, resource | principal}]. */
function checkDocument(text: unknown, kind: 'trust' | 'permission'): void {
  let doc: { version?: unknown; statement?: Array<Record<string, unknown>> };
  try {
    doc = JSON.parse(String(text));
  } catch {
    throw new CloudApiError('InvalidParameter.PolicyDocumentError', 'PolicyDocument is not JSON');
  }
  if (doc.version !== '2.0' || !Array.isArray(doc.statement) || !doc.statement.length)
    throw new CloudApiError('InvalidParameter.PolicyDocumentError', 'PolicyDocument needs version 2.0 and a statement');
  for (const s of doc.statement) {
    if (s.effect !== 'allow' && s.effect !== 'deny') throw new CloudApiError('InvalidParameter.EffectError', 'effect is allow or deny');
    const actions = Array.isArray(s.action) ? s.action : [s.action];
    if (!actions.every((a) => typeof a === 'string' && /^(name\/)?([a-z]+:[A-Za-z*]+|\*)$/.test(a)))
      throw new CloudApiError('InvalidParameter.ActionError', 'an action is not [name/]<service>:<Action>');
    if (kind === 'trust' && !(s.principal as { service?: unknown; qcs?: unknown } | undefined)?.service && !(s.principal as { qcs?: unknown })?.qcs)
      throw new CloudApiError('InvalidParameter.PrincipalError', 'a trust policy names a principal');
  }
}

export function installCam(cloud: CloudFake): CamModel {
  const roles = new Map<string, CamRole>();
  const policies = new Map<number, CamPolicy>();
  let ids = 100;
  const role = (name: unknown): CamRole => {
    const r = roles.get(String(name));
    if (!r) throw new CloudApiError('InvalidParameter.RoleNotExist', `role ${String(name)} does not exist`);
    return r;
  };
  const policy = (p: Record<string, unknown>): CamPolicy => {
    const found = p.PolicyId !== undefined ? policies.get(Number(p.PolicyId)) : [...policies.values()].find((x) => x.PolicyName === p.PolicyName);
    if (!found) throw new CloudApiError('InvalidParameter.PolicyIdNotExist', 'policy does not exist');
    return found;
  };
  const h = cloud.handlers;
  h['cam.GetRole'] = (p) => {
    const r = role(p.RoleName);
    return {
      RoleInfo: { RoleId: r.RoleId, RoleName: r.RoleName, PolicyDocument: r.PolicyDocument, Description: r.Description, RoleType: 'user', Tags: r.Tags },
    };
  };
  h['cam.CreateRole'] = (p) => {
    if (!/^[A-Za-z0-9+=,.@_-]{1,128}$/.test(String(p.RoleName ?? ''))) throw new CloudApiError('InvalidParameter.RoleNameError', 'RoleName');
    if (roles.has(String(p.RoleName))) throw new CloudApiError('InvalidParameter.RoleNameInUse', 'A role with the same name already exists');
    checkDocument(p.PolicyDocument, 'trust');
    const r: CamRole = {
      RoleId: String(4611686018427000000 + ++ids),
      RoleName: String(p.RoleName),
      PolicyDocument: String(p.PolicyDocument),
      Description: String(p.Description ?? ''),
      Tags: (p.Tags as CamRole['Tags']) ?? [],
      attached: new Set(),
    };
    roles.set(r.RoleName, r);
    return { RoleId: r.RoleId };
  };
  h['cam.DeleteRole'] = (p) => (role(p.RoleName), roles.delete(String(p.RoleName)), {});
  h['cam.CreatePolicy'] = (p) => {
    if ([...policies.values()].some((x) => x.PolicyName === p.PolicyName)) throw new CloudApiError('FailedOperation.PolicyNameInUse', 'policy name in use');
    checkDocument(p.PolicyDocument, 'permission');
    const id = ++ids;
    policies.set(id, {
      PolicyId: id,
      PolicyName: String(p.PolicyName),
      PolicyDocument: String(p.PolicyDocument),
      Description: String(p.Description ?? ''),
      Tags: (p.Tags as CamPolicy['Tags']) ?? [],
    });
    return { PolicyId: id };
  };
  h['cam.GetPolicy'] = (p) => {
    const x = policies.get(Number(p.PolicyId));
    if (!x) throw new CloudApiError('ResourceNotFound.PolicyIdNotFound', `policy ${String(p.PolicyId)} does not exist`);
    return { PolicyName: x.PolicyName, Description: x.Description, Type: 1, PolicyDocument: x.PolicyDocument, Tags: x.Tags };
  };
  h['cam.ListPolicies'] = (p) => {
    const rp = Number(p.Rp ?? 20);
    if (rp < 1 || rp > 200) throw new CloudApiError('InvalidParameter.ParamError', 'Rp is 1-200');
    const list = [...policies.values()].filter((x) => !p.Keyword || x.PolicyName.includes(String(p.Keyword)));
    const page = Number(p.Page ?? 1);
    return {
      TotalNum: list.length,
      List: list
        .slice((page - 1) * rp, page * rp)
        .map((x) => ({ PolicyId: x.PolicyId, PolicyName: x.PolicyName, Type: 1, Description: x.Description, CreateMode: 2 })),
    };
  };
  h['cam.DeletePolicy'] = (p) => {
    if (!Array.isArray(p.PolicyId)) throw new CloudApiError('InvalidParameter.PolicyIdError', 'PolicyId is a list');
    for (const id of p.PolicyId as number[]) policies.delete(Number(id));
    return {};
  };
  h['cam.AttachRolePolicy'] = (p) => (role(p.AttachRoleName).attached.add(policy(p).PolicyId), {});
  h['cam.DetachRolePolicy'] = (p) => (role(p.DetachRoleName).attached.delete(policy(p).PolicyId), {});
  h['cam.ListAttachedRolePolicies'] = (p) => {
    if (p.Page === undefined || p.Rp === undefined) throw new CloudApiError('MissingParameter', 'Page and Rp are required');
    if (Number(p.Rp) > 200) throw new CloudApiError('InvalidParameter.ParamError', 'Rp is at most 200');
    const list = [...role(p.RoleName).attached].flatMap((id) => {
      const x = policies.get(id);
      return x ? [{ PolicyId: x.PolicyId, PolicyName: x.PolicyName, PolicyType: 'User', Description: x.Description }] : [];
    });
    return { List: list, TotalNum: list.length };
  };
  return { roles, policies };
}
