import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTcrClient } from '../../../lib/tencent/sdk.js';
import { TencentApiError } from '../../../lib/tencent/errors.js';
import { ApiThrottle, isRetryable, throttleClient, type RetryNotice } from '../../../lib/tencent/throttle.js';
import { fastThrottle, KEY, startTcrCloud, type TcrCloud } from './setup.js';

const list = { Namespace: '', Offset: 0, Limit: 100 };

describe('Tencent API throttle: rate limit and retries through the real SDK', () => {
  let cloud: TcrCloud;
  before(async () => {
    cloud = await startTcrCloud();
    cloud.model.setCcr('ap-guangzhou', { namespaces: ['a', 'b'], repositories: {} });
  });
  after(() => cloud?.stop());

  it('RequestLimitExceeded is retried with backoff until every call gets through', async () => {
    cloud.server.rateLimit = 5;
    const retries: RetryNotice[] = [];
    const api = throttleClient(
      cloud.client('ap-guangzhou'),
      new ApiThrottle({ qps: 1000, retries: 8, baseDelayMs: 100, maxDelayMs: 800, onRetry: (r) => retries.push(r) }),
    );
    const before = cloud.server.requests.length;
    const results = await Promise.all(Array.from({ length: 10 }, () => api.DescribeNamespacePersonal(list)));
    cloud.server.rateLimit = 0;
    assert.ok(results.every((r) => r.Data?.NamespaceCount === 2));
    const log = cloud.server.requests.slice(before);
    assert.equal(log.filter((r) => !r.error).length, 10);
    assert.ok(
      log.some((r) => r.error === 'RequestLimitExceeded'),
      'the stand-in did throttle',
    );
    assert.ok(retries.length > 0 && retries.every((r) => r.reason === 'RequestLimitExceeded' && r.action === 'DescribeNamespacePersonal'));
  });

  it('the default 15 calls/s per action stays under the 20 calls/s limit', async () => {
    cloud.server.rateLimit = 20;
    const api = throttleClient(cloud.client('ap-guangzhou'), new ApiThrottle({ retries: 0 }));
    const started = Date.now();
    await Promise.all(Array.from({ length: 30 }, () => api.DescribeNamespacePersonal(list)));
    cloud.server.rateLimit = 0;
    assert.ok(Date.now() - started >= 1800, 'paced at 15/s');
  });

  it('InternalError is retried, a bounded number of times', async () => {
    const api = throttleClient(cloud.client('ap-guangzhou'), fastThrottle({ retries: 3 }));
    cloud.server.failNext('DescribeNamespacePersonal', 'InternalError', 2);
    assert.equal((await api.DescribeNamespacePersonal(list)).Data?.NamespaceCount, 2);
    cloud.server.failNext('DescribeNamespacePersonal', 'InternalError', 4);
    await assert.rejects(
      api.DescribeNamespacePersonal(list),
      (e: unknown) => e instanceof TencentApiError && e.apiCode === 'InternalError' && e.attempts === 4 && /after 4 attempts/.test(e.message),
    );
    assert.equal((await api.DescribeNamespacePersonal(list)).Data?.NamespaceCount, 2, 'all injected faults were consumed');
  });

  it('other errors are not retried; an unreachable endpoint fails as TENCENT_API_UNREACHABLE', async () => {
    const api = throttleClient(cloud.client('ap-guangzhou'), fastThrottle());
    const before = cloud.server.requests.length;
    await assert.rejects(
      api.DescribeImagePersonal({ RepoName: 'a/missing', Offset: 0, Limit: 100 }),
      (e: unknown) => e instanceof TencentApiError && e.apiCode === 'ResourceNotFound.ErrNoRepo' && e.attempts === 1,
    );
    assert.equal(cloud.server.requests.length - before, 1);
    const dead = createTcrClient({ credential: KEY, region: 'ap-guangzhou', endpoint: 'http://127.0.0.1:9', timeoutSeconds: 2 });
    await assert.rejects(throttleClient(dead, fastThrottle({ retries: 2 })).DescribeNamespacePersonal(list), (e: unknown) => {
      assert.ok(e instanceof TencentApiError);
      assert.equal(e.code, 'TENCENT_API_UNREACHABLE');
      assert.equal(e.attempts, 3);
      return true;
    });
  });

  it('an abort stops the backoff', async () => {
    const controller = new AbortController();
    const api = throttleClient(cloud.client('ap-guangzhou'), new ApiThrottle({ qps: 1000, baseDelayMs: 5000 }), controller.signal);
    cloud.server.failNext('DescribeNamespacePersonal', 'InternalError', 1);
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('stop now')), 100);
    await assert.rejects(api.DescribeNamespacePersonal(list), /stop now/);
    assert.ok(Date.now() - started < 2000);
  });
});

describe('retry classification', () => {
  it('throttling, transient codes, 5xx and network failures are retried; the rest is not', () => {
    assert.equal(isRetryable({ message: '', code: 'RequestLimitExceeded.UinLimitExceeded' }), true);
    assert.equal(isRetryable({ message: '', code: 'InternalError' }), true);
    assert.equal(isRetryable({ message: '', code: 'InternalError.ErrorConflict' }), false);
    assert.equal(isRetryable({ message: '', code: 'AuthFailure.SignatureFailure' }), false);
    assert.equal(isRetryable({ message: 'Bad Gateway', httpCode: 502 }), true);
    assert.equal(isRetryable({ message: 'Not Found', httpCode: 404 }), false);
    assert.equal(isRetryable({ message: 'request to https://tcr.tencentcloudapi.com/ failed, reason: socket hang up' }), true);
    assert.equal(isRetryable({ message: 'no Tencent Cloud credentials: TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY are not set' }), false);
  });
});
