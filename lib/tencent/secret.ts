import type { Client as SsmClient } from 'tencentcloud-sdk-nodejs/tencentcloud/services/ssm/v20190923/ssm_client.js';

/**
 * The newest version of a custom SSM secret. `SSM_Current` names the current version of cloud-product
 * secrets only (GetSecretValueRequest.VersionId in the SDK models; https://cloud.tencent.com/document/api/1140/40522):
 * a custom secret is read by an explicit VersionId, so list them (ListSecretVersionIds) and take the newest
 * by CreateTime. `SecretBinary` is base64 (GetSecretValueResponse). Errors name the secret and version, never the value.
 */
export async function readSecret(ssm: Pick<SsmClient, 'ListSecretVersionIds' | 'GetSecretValue'>, name: string): Promise<string> {
  const fail = (what: string, err: unknown) =>
    new Error(`SSM secret ${name}: ${what} could not be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  let versions: Array<{ VersionId?: string; CreateTime?: number }>;
  try {
    versions = (await ssm.ListSecretVersionIds({ SecretName: name })).Versions ?? [];
  } catch (err) {
    throw fail('its versions', err);
  }
  const newest = versions
    .filter((v): v is { VersionId: string; CreateTime?: number } => Boolean(v.VersionId))
    .reduce<{ VersionId: string; CreateTime?: number } | undefined>((a, v) => (!a || (v.CreateTime ?? 0) >= (a.CreateTime ?? 0) ? v : a), undefined);
  if (!newest) throw new Error(`SSM secret ${name} has no version`);
  try {
    const r = await ssm.GetSecretValue({ SecretName: name, VersionId: newest.VersionId });
    return r.SecretBinary ? Buffer.from(r.SecretBinary, 'base64').toString('utf8') : (r.SecretString ?? '');
  } catch (err) {
    throw fail(`version ${newest.VersionId}`, err);
  }
}
