/**
 * HTTP for every remote the project talks to (registries, CMQ): Node's own client for small requests,
 * undici for streamed blob bytes (loaded on first use), deadlines and a minimum body rate on both, a
 * bounded whole-body reader and a per-origin rate limiter. Knows nothing of registries or clouds.
 * May import: lib/util.
 */
export { BulkTransport } from './bulk-transport.js';
export {
  HttpTransport,
  TransportError,
  bodyRateOf,
  tooSlow,
  type ResponseBody,
  type TransportOptions,
  type TransportRequest,
  type TransportResponse,
} from './http-transport.js';
export { HttpBodyError, readBounded, readBoundedJson, type BodyErrorFactory, type BodyFailure, type BodySource, type ReadOptions } from './bounded-read.js';
export { RateLimiter } from './rate-limit.js';
