import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { httpRunApi, RunApiError, watchRun } from '../../lib/usecases/index.js';
import { hasCode } from '../../lib/util/errors.js';
import { MAX_RUN_API_REPLY_BYTES, MAX_STATUS_CALL_FAILURES } from '../../lib/util/limits.js';
import { verifyRequest } from '../../lib/util/request-signature.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { stoppable } from '../support/http-server.js';

const KEY = 'hostile-test-api-key-0001';

/** A run API that misbehaves in the way the request's path names. */
function hostile(req: IncomingMessage, res: ServerResponse, state: { calls: Map<string, number>; sent: number }): void {
  const path = req.url ?? '';
  const scenario = path.split('/')[2] ?? '';
  state.calls.set(scenario, (state.calls.get(scenario) ?? 0) + 1);
  const signed = verifyRequest(KEY, req.headers['x-image-transfer-signature'] as string | undefined, req.method ?? '', path, '') === undefined;
  if (!signed) return void res.writeHead(401).end('{"error":{"code":"UNAUTHORIZED","message":"bad signature"}}');
  const json = (status: number, body: string): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  switch (scenario) {
    case 'endless': {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk)) state.sent += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      return pump();
    }
    case 'not-json':
      return json(200, '<html>maintenance</html>');
    case 'wrong-shape':
      return json(200, '{"runId":"wrong-shape","state":"running","tasks":"lots"}');
    case 'other-run':
      return json(200, '{"runId":"someone-else","state":"planning"}');
    case 'redirect':
      return void res.writeHead(302, { location: `http://127.0.0.1:1/elsewhere/runs/redirect` }).end();
    case 'echo-key':
      return json(403, JSON.stringify({ error: { code: 'FORBIDDEN', message: `key ${KEY} is not allowed\u001b[2J` } }));
    case 'down':
      return json(503, '{"error":{"code":"INTERNAL","message":"overloaded"}}');
    case 'silent':
      return; // never answers
    default:
      return json(404, '{}');
  }
}

describe('image-transfer cloud against a hostile run API', () => {
  let url: string;
  let stop: () => Promise<void>;
  const state = { calls: new Map<string, number>(), sent: 0 };

  before(async () => {
    ensureBuilt('cli');
    const server = createServer((req, res) => hostile(req, res, state));
    stop = stoppable(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => stop?.());

  const failure = async (runId: string, callMs = 10_000): Promise<RunApiError> => {
    const api = httpRunApi(url, KEY, { callMs });
    try {
      await api.status(runId);
    } catch (err) {
      assert.ok(err instanceof RunApiError, String(err));
      assert.ok(!err.message.includes(KEY), err.message);
      return err;
    } finally {
      await api.close();
    }
    assert.fail(`${runId}: no error`);
  };

  it('an endless body is cut at the cap, naming the URL', async () => {
    const err = await failure('endless');
    assert.ok(hasCode(err, 'RUN_API_FAILED'));
    assert.match(err.message, new RegExp(`^GET ${url}/runs/endless: .*larger than 1 MiB`));
    assert.ok(state.sent < MAX_RUN_API_REPLY_BYTES + 4 * 1024 * 1024, `read ${state.sent} bytes`);
  });

  it('a body that is not JSON, or not a run status, or the status of another run, is refused clearly', async () => {
    assert.match((await failure('not-json')).message, /runs\/not-json: .*not JSON/);
    assert.match((await failure('wrong-shape')).message, /runs\/wrong-shape: the answer is not what the run API sends/);
    const api = httpRunApi(url, KEY);
    await assert.rejects(
      watchRun(api, 'other-run', { intervalMs: 1000, deadline: Date.now() + 60_000 }),
      /answered the status of run someone-else when asked for other-run/,
    );
    await api.close();
  });

  it('a redirect is not followed (the signed request goes to --url only)', async () => {
    const err = await failure('redirect');
    assert.match(err.message, /answered 302, a redirect to http:\/\/127\.0\.0\.1:1\/elsewhere\/runs\/redirect; not followed/);
  });

  it('a refusal that echoes the key has the key redacted and its control characters escaped', async () => {
    const err = await failure('echo-key');
    assert.ok(hasCode(err, 'RUN_API_UNAUTHORIZED'));
    assert.match(err.message, /403 \(FORBIDDEN: key \*\*\* is not allowed\\x1b\[2J\): the API key was refused/);
  });

  it('a server that never answers meets the call deadline; 5xx is retried a bounded number of times', async () => {
    const silent = await failure('silent', 1_000);
    assert.ok(hasCode(silent, 'RUN_API_UNREACHABLE'));
    assert.match(silent.message, /runs\/silent: no complete answer within 1 s/);
    const api = httpRunApi(url, KEY);
    const retries: number[] = [];
    await assert.rejects(
      watchRun(api, 'down', { intervalMs: 1, deadline: Date.now() + 60_000, onRetry: (_e, n) => retries.push(n) }),
      /runs\/down: 503 \(INTERNAL: overloaded\)/,
    );
    await api.close();
    assert.equal(state.calls.get('down'), MAX_STATUS_CALL_FAILURES);
    assert.deepEqual(retries, [1, 2, 3, 4]);
  });

  it('the CLI says it in one line naming the URL, exit 1, and shows no key', async () => {
    const run = await runCli(['cloud', 'status', 'endless', '--url', url], { env: { IMAGE_TRANSFER_API_KEY: KEY } });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, new RegExp(`^image-transfer: GET ${url}/runs/endless: .*larger than 1 MiB\\n$`));
    const wrong = await runCli(['cloud', 'status', 'endless', '--url', url], { env: { IMAGE_TRANSFER_API_KEY: 'another-key' } });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /runs\/endless: 401 \(UNAUTHORIZED: bad signature\): the API key was refused/);
    for (const text of [run.stdout, run.stderr, wrong.stderr]) assert.ok(!text.includes(KEY) && !text.includes('another-key'));
  });
});
