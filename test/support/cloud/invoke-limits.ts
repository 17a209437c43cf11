import { CloudApiError } from './tc3.js';

/**
 * The documented limits of SCF `Invoke` (https://www.tencentcloud.com/document/product/583/17243, and
 * InvokeRequest.ClientContext in the SDK's scf_models.d.ts): `ClientContext` at most 6 MB for a synchronous
 * call and 128 KB for an asynchronous one (InvocationType Event); at most 100 requests per second.
 */
export interface InvokeLimits {
  /** Accepted Invoke calls per sliding second (all functions of the account). @default 100 */
  perSecond: number;
  /** @default 128 KB */
  asyncBytes: number;
  /** @default 6 MB */
  syncBytes: number;
}

export const SCF_INVOKE_LIMITS: InvokeLimits = { perSecond: 100, asyncBytes: 128 * 1024, syncBytes: 6 * 1024 * 1024 };

/**
 * Refuses an Invoke the way the cloud API does:
 * - over the frequency limit: the common error code `RequestLimitExceeded` ("请求的次数超过了频率限制",
 *   common error codes of API 3.0, https://cloud.tencent.com/document/product/213/30435), which the SDK raises
 *   as TencentCloudSDKHttpException with that `code`;
 * - an oversized ClientContext: `InvalidParameterValue`, the parameter error listed for Invoke in
 *   tencentcloud-sdk-go scf/v20180416/client.go (InvokeFunction lists InvalidParameter.RequestTooLarge, Invoke does not).
 */
export class InvokeLimiter {
  private readonly accepted: number[] = [];

  constructor(readonly limits: InvokeLimits = { ...SCF_INVOKE_LIMITS }) {}

  check(params: Record<string, unknown>, now = Date.now()): void {
    const async = params.InvocationType === 'Event';
    const max = async ? this.limits.asyncBytes : this.limits.syncBytes;
    const size = Buffer.byteLength(String(params.ClientContext ?? ''));
    if (size > max)
      throw new CloudApiError(
        'InvalidParameterValue',
        `ClientContext is ${size} bytes; ${async ? 'asynchronous' : 'synchronous'} invocations accept at most ${max}`,
      );
    while (this.accepted.length && this.accepted[0]! <= now - 1000) this.accepted.shift();
    if (this.accepted.length >= this.limits.perSecond)
      throw new CloudApiError('RequestLimitExceeded', '请求的次数超过了频率限制。The number of requests exceeds the frequency limit.');
    this.accepted.push(now);
  }
}
