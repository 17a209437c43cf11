import { CloudApiError } from './tc3.js';

/**
 * Secrets Manager (ssm 2019-09-23) as the cloud answers it, for the calls the functions make.
 * Sources: SDK models `ssm_models.d.ts` (GetSecretValueRequest.VersionId: "SSM_Current" names the current
 * version of cloud-product secrets only; GetSecretValueResponse: SecretBinary is base64 and only one of
 * SecretBinary / SecretString is set; ListSecretVersionIdsResponse.Versions[{VersionId, CreateTime}]),
 * API doc GetSecretValue (https://cloud.tencent.com/document/api/1140/40522: custom secrets are read by name
 * and version), PutSecretValue (https://www.tencentcloud.com/document/api/1078/38645: at most 10 versions,
 * custom secrets only), error codes of GetSecretValue in tencentcloud-sdk-go ssm/v20190923/client.go
 * (ResourceNotFound, ResourceNotFound.SecretNotExist, ResourceUnavailable.ResourceDisabled).
 */
export interface SecretVersion {
  readonly VersionId: string;
  readonly CreateTime: number;
  readonly SecretString?: string;
  readonly SecretBinary?: string;
}

interface Secret {
  /** 0: custom (user-defined); 1+: cloud-product secrets, whose current version is `SSM_Current`. */
  readonly type: 'custom' | 'product';
  enabled: boolean;
  readonly versions: SecretVersion[];
}

const MAX_VERSIONS = 10;

export class SsmModel {
  readonly secrets = new Map<string, Secret>();
  private clock = Math.floor(Date.now() / 1000);

  /** Creates the secret when needed and adds a version (CreateSecret / PutSecretValue). */
  put(name: string, versionId: string, value: { string: string } | { binary: Buffer }, type: Secret['type'] = 'custom'): void {
    let s = this.secrets.get(name);
    if (!s) this.secrets.set(name, (s = { type, enabled: true, versions: [] }));
    if (s.type === 'product') throw new CloudApiError('OperationDenied', 'PutSecretValue is for custom secrets only');
    if (s.versions.some((v) => v.VersionId === versionId)) throw new CloudApiError('ResourceInUse.VersionIdExists', `version ${versionId} exists`);
    if (s.versions.length >= MAX_VERSIONS) throw new CloudApiError('LimitExceeded', `secret ${name} has ${MAX_VERSIONS} versions`);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(versionId)) throw new CloudApiError('InvalidParameterValue', `bad VersionId ${versionId}`);
    s.versions.push({
      VersionId: versionId,
      CreateTime: ++this.clock,
      ...('string' in value ? { SecretString: value.string } : { SecretBinary: value.binary.toString('base64') }),
    });
  }

  private secret(name: unknown): Secret {
    const s = this.secrets.get(String(name));
    if (!s) throw new CloudApiError('ResourceNotFound.SecretNotExist', `secret ${String(name)} does not exist`);
    return s;
  }

  handlers() {
    return {
      'ssm.ListSecretVersionIds': (p: Record<string, unknown>) => ({
        SecretName: p.SecretName,
        Versions: this.secret(p.SecretName).versions.map(({ VersionId, CreateTime }) => ({ VersionId, CreateTime })),
      }),
      'ssm.GetSecretValue': (p: Record<string, unknown>) => {
        const s = this.secret(p.SecretName);
        if (typeof p.VersionId !== 'string' || !p.VersionId) throw new CloudApiError('MissingParameter', 'VersionId is required');
        if (!s.enabled) throw new CloudApiError('ResourceUnavailable.ResourceDisabled', `secret ${String(p.SecretName)} is disabled`);
        // SSM_Current is only an alias for cloud-product secrets; for a custom secret it is just a missing version
        const v = s.type === 'product' && p.VersionId === 'SSM_Current' ? s.versions.at(-1) : s.versions.find((x) => x.VersionId === p.VersionId);
        if (!v) throw new CloudApiError('ResourceNotFound', `version ${p.VersionId} of secret ${String(p.SecretName)} does not exist`);
        return { SecretName: p.SecretName, VersionId: v.VersionId, SecretBinary: v.SecretBinary ?? '', SecretString: v.SecretString ?? '' };
      },
    };
  }
}
