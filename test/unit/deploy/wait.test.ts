import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeployError, waitUntilActive } from '../../../lib/deploy/index.js';
import type { ScfClient } from '../../../lib/tencent/clients.js';

// Invariant: deploy goes on only once SCF reports the function Active; a failed status or the deadline
// stops it with the function's name and what SCF said.
const scfAnswering = (...answers: Array<Record<string, unknown>>) => {
  let polls = 0;
  const client = { GetFunction: async () => answers[Math.min(polls++, answers.length - 1)] } as unknown as ScfClient;
  return { client, polls: () => polls };
};

describe('waitUntilActive', () => {
  it('polls until Active', async () => {
    const scf = scfAnswering({ Status: 'Creating' }, { Status: 'Creating' }, { Status: 'Active' });
    await waitUntilActive(scf.client, 'fn', 'default', 'CreateFunction', { intervalMs: 1 });
    assert.equal(scf.polls(), 3);
  });

  it('fails with the failed status and its StatusReasons, or StatusDesc when there is none', async () => {
    const failed = scfAnswering({ Status: 'PublishFailed', StatusReasons: [{ ErrorCode: 'InternalError.System', ErrorMessage: 'publish failed' }] });
    await assert.rejects(
      waitUntilActive(failed.client, 'fn', 'default', 'PublishVersion', { intervalMs: 1 }),
      (err) =>
        err instanceof DeployError &&
        err.code === 'FUNCTION_FAILED' &&
        err.message === 'function fn is PublishFailed after PublishVersion: InternalError.System: publish failed',
    );
    const bare = scfAnswering({ Status: 'CreateFailed', StatusDesc: 'image pull failed' });
    await assert.rejects(
      waitUntilActive(bare.client, 'fn', 'default', 'CreateFunction'),
      /function fn is CreateFailed after CreateFunction: image pull failed/,
    );
  });

  it('gives up at the deadline, naming the function and the status it is stuck in', async () => {
    const stuck = scfAnswering({ Status: 'Updating' });
    const started = Date.now();
    await assert.rejects(
      waitUntilActive(stuck.client, 'fn', 'default', 'UpdateFunctionCode', { intervalMs: 10, timeoutMs: 100 }),
      (err) => err instanceof DeployError && err.code === 'FUNCTION_TIMEOUT' && /function fn is still Updating/.test(err.message),
    );
    assert.ok(Date.now() - started < 1000);
  });
});
