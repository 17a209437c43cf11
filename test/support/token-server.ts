import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { listen, readBody, stoppable } from './http-server.js';
import { libtrustKeyId, signEs256 } from './jwt.js';
import type { Pki } from './pki.js';
import { TOKEN_ISSUER, TOKEN_SERVICE } from './registry.js';

export interface TokenServerOptions {
  pki: Pki;
  users: Record<string, string>;
  /** Without credentials: a pull-only token instead of 401. */
  anonymousPull?: boolean;
  ttlSeconds?: number;
  /** How the token names its signer: libtrust `kid` (default) or the `x5c` cert chain. */
  header?: 'kid' | 'x5c';
  /** Repository name prefixes (`team/`) a user's tokens may cover; a user not listed may access every repository. */
  acl?: Record<string, string[]>;
  /** Users whose tokens carry only `pull`, whatever they ask for. */
  pullOnly?: string[];
}

export interface TokenRequestRecord {
  method: string;
  /** Every scope asked for, one per entry, e.g. 'repository:dst:pull,push'. */
  scopes: string[];
  /** The user the client claimed (absent when anonymous); never the password. */
  user?: string;
  granted: boolean;
}

export interface RunningTokenServer {
  /** Put this in the registry's auth.token.realm. */
  realm: string;
  url: string;
  requests: TokenRequestRecord[];
  stop(): Promise<void>;
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** Token server for distribution's `auth: token` on https://127.0.0.1:<port>/token (GET Basic, POST password grant). */
export async function startTokenServer(opts: TokenServerOptions): Promise<RunningTokenServer> {
  const key = createPrivateKey(await readFile(opts.pki.tokenKey));
  const certB64 = (await readFile(opts.pki.tokenCert, 'utf8')).replace(/-----[^-]+-----|\s+/g, '');
  const signer = {
    key,
    header: opts.header === 'x5c' ? { x5c: [certB64] } : { kid: libtrustKeyId(createPublicKey(key)) },
  };
  const ttl = opts.ttlSeconds ?? 300;
  const requests: TokenRequestRecord[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://x');
    if (url.pathname !== '/token') return void res.writeHead(404).end();
    let params = url.searchParams;
    let who = basicCredentials(req.headers.authorization);
    if (req.method === 'POST') {
      params = new URLSearchParams((await readBody(req, 65_536)).toString('utf8'));
      const grant = params.get('grant_type');
      if (grant === 'password') who = { user: params.get('username') ?? '', password: params.get('password') ?? '' };
      else if (grant) return void json(res, 400, { error: 'unsupported_grant_type' });
    } else if (req.method !== 'GET') {
      return void res.writeHead(405).end();
    }
    const scopes = params
      .getAll('scope')
      .flatMap((s) => s.split(' '))
      .filter(Boolean);
    const known = who !== undefined && Object.hasOwn(opts.users, who.user) && opts.users[who.user] === who.password;
    const granted = known || (who === undefined && opts.anonymousPull === true);
    requests.push({ method: req.method, scopes, ...(who ? { user: who.user } : {}), granted });
    if (!granted) {
      res.setHeader('www-authenticate', 'Basic realm="regtest-token"');
      return void json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
    }
    const readOnly = !known || (opts.pullOnly ?? []).includes(who!.user);
    const access = scopes.flatMap((s) => parseScope(s, !readOnly)).filter((a) => permitted(opts.acl, known ? who!.user : undefined, a));
    const now = Math.floor(Date.now() / 1000);
    const token = signEs256(
      signer.header,
      {
        iss: TOKEN_ISSUER,
        sub: known ? who!.user : '',
        aud: params.get('service') ?? TOKEN_SERVICE, // a string: an array makes distribution say "malformed token"
        exp: now + ttl,
        nbf: now - 5,
        iat: now,
        jti: randomUUID(),
        access,
      },
      signer.key,
    );
    json(res, 200, { token, access_token: token, expires_in: ttl, issued_at: new Date(now * 1000).toISOString() });
  };

  const server = createServer({ cert: await readFile(opts.pki.serverCert), key: await readFile(opts.pki.serverKey) }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: String(error) });
      else res.destroy();
    });
  });
  const stop = stoppable(server);
  const url = `https://${await listen(server)}`;
  return { realm: `${url}/token`, url, requests, stop };
}

function parseScope(scope: string, known: boolean): Access[] {
  // 'repository:foo/bar:pull,push' — the name has no ':' (distribution never sends host:port)
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return [];
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter((a) => a && (known || a === 'pull'));
  return actions.length ? [{ type: scope.slice(0, first), name: scope.slice(first + 1, last), actions }] : [];
}

function permitted(acl: Record<string, string[]> | undefined, user: string | undefined, access: Access): boolean {
  const prefixes = user === undefined ? undefined : acl?.[user];
  return !prefixes || access.type !== 'repository' || prefixes.some((p) => access.name.startsWith(p));
}

function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  const text = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? { user: text, password: '' } : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}
