import { mkdtempSync, rmSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit } from './exit-hooks.js';
import { runCommand } from './run-command.js';

/** Paths of a throw-away PKI; every file lives under `dir`, removed when the process exits. */
export interface Pki {
  dir: string;
  /** Trust anchor for clients (PEM). */
  caCert: string;
  /** Directory holding only `ca.crt`: skopeo `--cert-dir` / `--src-cert-dir` / `--dest-cert-dir`. */
  certDir: string;
  /** TLS cert for IP:127.0.0.1, DNS:localhost, IP:::1, signed by the CA. */
  serverCert: string;
  serverKey: string;
  /** Self-signed EC P-256 cert + key that sign registry tokens (ES256). */
  tokenKey: string;
  tokenCert: string;
  /** The registry's `auth.token.rootcertbundle`: the signer cert. */
  tokenBundle: string;
}

const EC_P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
let pending: Promise<Pki> | undefined;

/** Creates the PKI once per process (memoised). */
export function ensurePki(): Promise<Pki> {
  pending ??= createPki().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

async function createPki(): Promise<Pki> {
  const dir = mkdtempSync(join(tmpdir(), 'regtest-pki-'));
  onProcessExit(() => rmSync(dir, { recursive: true, force: true }));
  const p = (name: string): string => join(dir, name);
  const openssl = (args: string[]): Promise<unknown> => runCommand('openssl', args, { cwd: dir });

  await openssl([
    'req',
    '-x509',
    ...EC_P256,
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.crt'),
    '-days',
    '3650',
    '-subj',
    '/CN=regtest CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await openssl(['req', ...EC_P256, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=127.0.0.1']);
  // Go (registry, skopeo) ignores the CN: the SAN is what is checked.
  await writeFile(
    p('server.ext'),
    `${[
      'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:::1',
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
    ].join('\n')}\n`,
  );
  await openssl([
    'x509',
    '-req',
    '-in',
    p('server.csr'),
    '-CA',
    p('ca.crt'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('server.crt'),
    '-days',
    '825',
    '-extfile',
    p('server.ext'),
  ]);
  await openssl(['req', '-x509', ...EC_P256, '-keyout', p('token.key'), '-out', p('token.crt'), '-days', '3650', '-subj', '/CN=regtest token signer']);
  await writeFile(p('token-bundle.pem'), await readFile(p('token.crt')));
  await mkdir(p('certs.d'));
  await copyFile(p('ca.crt'), join(p('certs.d'), 'ca.crt'));

  return {
    dir,
    caCert: p('ca.crt'),
    certDir: p('certs.d'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    tokenKey: p('token.key'),
    tokenCert: p('token.crt'),
    tokenBundle: p('token-bundle.pem'),
  };
}
