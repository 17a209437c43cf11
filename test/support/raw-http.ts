import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';

/** Credentials for a registry (Basic, or Basic at the token realm). */
export type Auth = { username: string; password: string } | undefined;

/** Where a registry answers: its base URL, the CA it needs (PEM text or a file path) and credentials. */
export interface Endpoint {
  url: string;
  ca?: string;
  auth?: Auth;
}

export interface RawResponse<B> {
  status: number;
  headers: Record<string, string>;
  body: B;
}

/** A request body: bytes, or a factory so a streamed body can be sent again after an auth round trip. */
export type RawBody = Buffer | string | (() => Readable);

export interface RawRequest {
  headers?: Record<string, string>;
  body?: RawBody;
}

const agents = new Map<string, Agent>();

/** One keep-alive undici Agent per CA (none for plain http / system trust). */
export function dispatcherFor(ca?: string): Agent {
  const key = ca ?? '';
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent(ca ? { connect: { ca: ca.includes('-----BEGIN') ? ca : readFileSync(ca, 'utf8') } } : {});
    agents.set(key, agent);
  }
  return agent;
}

/** Closes every Agent made by dispatcherFor (optional; idle sockets do not keep the process alive). */
export async function closeRawHttp(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((agent) => agent.close()));
}

/**
 * Minimal distribution-API client for test helpers: one instance per endpoint keeps the last
 * Authorization it earned. On a 401 it answers a Basic or Bearer challenge once and retries.
 */
export class RawHttp {
  private authorization: string | undefined;

  constructor(readonly endpoint: Endpoint) {}

  async send(method: string, target: string, req: RawRequest = {}): Promise<RawResponse<Buffer>> {
    const res = await this.open(method, target, req);
    return { ...res, body: await readAll(res.body) };
  }

  /** Like send, but streams: the caller must read the body to its end (see drain). */
  async open(method: string, target: string, req: RawRequest = {}): Promise<RawResponse<Readable>> {
    const url = new URL(target, this.endpoint.url);
    const res = await this.once(method, url, req);
    if (res.status !== 401) return res;
    const body = await readAll(res.body);
    if (await this.answerChallenge(res.headers['www-authenticate'] ?? '')) return this.once(method, url, req);
    return { ...res, body: Readable.from([body]) };
  }

  private async once(method: string, url: URL, req: RawRequest): Promise<RawResponse<Readable>> {
    const headers = { ...req.headers };
    if (this.authorization) headers.authorization = this.authorization;
    const body = typeof req.body === 'function' ? req.body() : req.body;
    const res = await request(url, { method: method as 'GET', headers, body, dispatcher: dispatcherFor(this.endpoint.ca) });
    return { status: res.statusCode, headers: flatten(res.headers), body: res.body };
  }

  private async answerChallenge(challenge: string): Promise<boolean> {
    const auth = this.endpoint.auth;
    const scheme = challenge.split(' ', 1)[0]?.toLowerCase();
    if (scheme === 'basic') {
      if (!auth) return false;
      const basic = basicHeader(auth);
      if (this.authorization === basic) return false;
      this.authorization = basic;
      return true;
    }
    if (scheme !== 'bearer') return false;
    const params = parseChallengeParams(challenge);
    if (!params.realm) return false;
    const realm = new URL(params.realm);
    if (params.service) realm.searchParams.set('service', params.service);
    for (const scope of (params.scope ?? '').split(' ').filter(Boolean)) realm.searchParams.append('scope', scope);
    const res = await request(realm, {
      method: 'GET',
      headers: auth ? { authorization: basicHeader(auth) } : {},
      dispatcher: dispatcherFor(this.endpoint.ca),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) return false;
    const json = JSON.parse(text) as { token?: string; access_token?: string };
    const token = json.token ?? json.access_token;
    if (!token) return false;
    this.authorization = `Bearer ${token}`;
    return true;
  }
}

export function basicHeader(auth: NonNullable<Auth>): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** `Bearer realm="…",service="…",scope="…"` → { realm, service, scope }. */
export function parseChallengeParams(challenge: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of challenge.matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) out[m[1]!.toLowerCase()] = m[2]!;
  return out;
}

/** Reads a response body to its end (undici errors out when a body is destroyed early). */
export async function drain(body: Readable): Promise<void> {
  for await (const _ of body);
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
