import { CloudApiError } from './tc3.js';
import type { CloudFake } from './server.js';

/**
 * The SSM calls that create and remove custom secrets, over the stand-in's SsmModel (ssm.ts).
 * Shapes: ssm_models.d.ts (CreateSecretRequest: SecretName, VersionId, Description, SecretString | SecretBinary
 * "必须且只能设置一个，最大支持32KB字节", Tags: Tag {TagKey, TagValue}; DescribeSecretResponse: Description, Status,
 * CreateTime, SecretType; DeleteSecretRequest.RecoveryWindowInDays: 0 deletes at once). Error codes of
 * tencentcloud-sdk-go ssm/v20190923/errors.go: ResourceInUse.SecretExists ("凭据名已存在"), ResourceNotFound.SecretNotExist.
 */
export function installSsmAdmin(cloud: CloudFake): { readonly descriptions: Map<string, string> } {
  const descriptions = new Map<string, string>();
  const exists = (name: unknown) => {
    if (!cloud.ssm.secrets.has(String(name))) throw new CloudApiError('ResourceNotFound.SecretNotExist', `secret ${String(name)} does not exist`);
  };
  const h = cloud.handlers;
  h['ssm.CreateSecret'] = (p) => {
    const name = String(p.SecretName ?? '');
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(name)) throw new CloudApiError('InvalidParameterValue', `bad SecretName ${name}`);
    if (cloud.ssm.secrets.has(name)) throw new CloudApiError('ResourceInUse.SecretExists', `secret ${name} exists`);
    const hasString = typeof p.SecretString === 'string' && p.SecretString !== '';
    const hasBinary = typeof p.SecretBinary === 'string' && p.SecretBinary !== '';
    if (hasString === hasBinary) throw new CloudApiError('InvalidParameterValue', 'exactly one of SecretString and SecretBinary');
    const bytes = hasString ? Buffer.from(String(p.SecretString)) : Buffer.from(String(p.SecretBinary), 'base64');
    if (bytes.length > 32 * 1024) throw new CloudApiError('InvalidParameterValue', 'at most 32 KB');
    const value = hasString ? { string: String(p.SecretString) } : { binary: bytes };
    const versionId = String(p.VersionId ?? 'SSM_Current');
    cloud.ssm.put(name, versionId, value);
    descriptions.set(name, String(p.Description ?? ''));
    return { SecretName: name, VersionId: versionId, TagCode: 0, TagMsg: '' };
  };
  h['ssm.DescribeSecret'] = (p) => {
    exists(p.SecretName);
    const s = cloud.ssm.secrets.get(String(p.SecretName))!;
    return {
      SecretName: p.SecretName,
      Description: descriptions.get(String(p.SecretName)) ?? '',
      Status: s.enabled ? 'Enabled' : 'Disabled',
      SecretType: 0,
      CreateTime: 0,
    };
  };
  h['ssm.DeleteSecret'] = (p) => {
    exists(p.SecretName);
    cloud.ssm.secrets.delete(String(p.SecretName));
    descriptions.delete(String(p.SecretName));
    return {};
  };
  return { descriptions };
}
