import type { Readable } from 'node:stream';
import { guardBodyRate } from './body-rate.js';
import { bodyRateOf, tooSlow, type TransportOptions, type TransportRequest, type TransportResponse } from './http-transport.js';
import type { Agent } from './undici.js';

/**
 * The transport for blob bytes: undici, loaded on the first blob. Measured here, it pipes a streamed
 * GET into a streamed PUT for about two thirds of the CPU Node's own client needs, while Node's client
 * costs about a third of undici's per small request; so each carries what it is cheaper at
 * (see RegistryClient.send). Same request and response shape and bounds as HttpTransport: undici's
 * headers timeout is a total deadline already, its body timeout an idle one, so the minimum body rate
 * is added here.
 */
export class BulkTransport {
  private agent: Promise<Agent> | undefined;

  constructor(private readonly options: TransportOptions) {}

  /** A streamed body is destroyed when the request fails. */
  async request(req: Omit<TransportRequest, 'body'> & { body?: Buffer | Readable }): Promise<TransportResponse> {
    const agent = await (this.agent ??= this.open());
    const res = (await agent.request({ ...req, method: req.method as 'GET' })) as unknown as TransportResponse;
    guardBodyRate(res.body, bodyRateOf(this.options), tooSlow(bodyRateOf(this.options)));
    return res;
  }

  private async open(): Promise<Agent> {
    const { Agent: UndiciAgent } = await import('./undici.js');
    const o = this.options;
    return new UndiciAgent({
      connections: o.connections,
      connect: { timeout: o.connectMs, ...(o.ca ? { ca: o.ca } : {}), ...(o.insecure ? { rejectUnauthorized: false } : {}) },
      headersTimeout: o.headersMs,
      bodyTimeout: o.bodyIdleMs,
      keepAliveTimeout: o.keepAliveMs,
    });
  }

  async close(): Promise<void> {
    if (this.agent) await (await this.agent).close();
  }
}
