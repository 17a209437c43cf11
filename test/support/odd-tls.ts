import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, stoppable } from './http-server.js';

/** A TLS registry stand-in whose certificate is wrong one way; `caFile` trusts it, so only that fault remains. */
export interface OddTlsServer {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  /** The self-signed certificate (a CA), to give as `caFile`. */
  readonly caFile: string;
  stop(): Promise<void>;
}

/**
 * `wrong-name`: a certificate for `registry.example.net` only; `expired`: one for 127.0.0.1 valid on
 * 1 January 2020 only (`openssl ca` sets past dates, which `req -x509` cannot). Every request is
 * answered 200 `{}`: a client that got past the handshake would see a registry.
 */
export async function startOddTlsServer(fault: 'wrong-name' | 'expired'): Promise<OddTlsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'odd-tls-'));
  const p = (name: string): string => join(dir, name);
  writeFileSync(p('index.txt'), '');
  writeFileSync(p('serial'), '01\n');
  const san = fault === 'wrong-name' ? 'DNS:registry.example.net' : 'IP:127.0.0.1';
  writeFileSync(
    p('ca.cnf'),
    `[ca]\ndefault_ca = d\n[d]\ndatabase = ${p('index.txt')}\nserial = ${p('serial')}\nnew_certs_dir = ${dir}\ndefault_md = sha256\npolicy = p\n` +
      `x509_extensions = x\n[p]\ncommonName = supplied\n[x]\nsubjectAltName = ${san}\nbasicConstraints = critical,CA:TRUE\n`,
  );
  const openssl = (args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('key.pem'), '-out', p('req.csr'), '-subj', '/CN=odd']);
  const dates = fault === 'expired' ? ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z'] : ['-days', '2'];
  openssl(['ca', '-batch', '-config', p('ca.cnf'), '-selfsign', '-keyfile', p('key.pem'), '-in', p('req.csr'), '-out', p('cert.pem'), ...dates]);
  const server = createServer({ key: readFileSync(p('key.pem')), cert: readFileSync(p('cert.pem')) }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
    res.end('{}');
  });
  const stop = stoppable(server);
  const host = await listen(server);
  return {
    host,
    caFile: p('cert.pem'),
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
