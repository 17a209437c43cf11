import { createServer } from 'node:http';
import { listen, readBody, stoppable } from '../http-server.js';
import { startWarmInstance } from './functions.js';

export interface FunctionUrl {
  /** `http://127.0.0.1:<port>`, standing for `https://<appid>-<url-id>.<region>.tencentscf.com`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: Array<{ method: string; path: string; headers: Record<string, string>; body: string }>;
  stop(): Promise<void>;
}

/**
 * A Function URL in front of the planner, as SCF runs one for an event function
 * (https://www.tencentcloud.com/document/product/583/69491, "Calling Parameter / Event Function"): the
 * request becomes the event `{httpMethod, path, headers (names in lower case), body, queryString}`, the
 * function runs (here: the deployable bundle in one warm instance, a process started with `env` that serves
 * one event at a time, as SCF reuses an instance: see warm-instance.ts), and its answer
 * `{statusCode, headers, body}` becomes the HTTP response. Redirects are not involved: SCF answers what
 * the function returns.
 */
export async function startFunctionUrl(env: Record<string, string>): Promise<FunctionUrl> {
  const requests: FunctionUrl['requests'] = [];
  const instance = startWarmInstance('planner', env);
  const server = createServer(async (req, res) => {
    const body = (await readBody(req)).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://function-url');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : (v ?? '')]));
    requests.push({ method: req.method ?? 'GET', path: url.pathname, headers, body });
    const event = { httpMethod: req.method, path: url.pathname, headers, body, queryString: Object.fromEntries(url.searchParams) };
    try {
      const answer = await instance.invoke<{ statusCode: number; headers?: Record<string, string>; body: string }>(event);
      res.writeHead(answer.statusCode, answer.headers ?? {}).end(answer.body);
    } catch (err) {
      // SCF's own answer when the function throws: 5xx with its error
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'FunctionError', message: (err as Error).message } }));
    }
  });
  const stopServer = stoppable(server);
  const stop = async () => {
    instance.stop();
    await stopServer();
  };
  return { url: `http://${await listen(server)}`, requests, stop };
}
