import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RegistryClient, blobs } from '../../../lib/registry/index.js';

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
};

describe('credentials stay with their registry', () => {
  const seen: Array<{ server: string; path: string; authorization?: string }> = [];
  const record = (server: string, req: IncomingMessage) => seen.push({ server, path: req.url ?? '', authorization: req.headers.authorization });
  let storageHost = '';
  let registryHost = '';
  const storage = createServer((req, res) => {
    record('storage', req);
    res.writeHead(200, { 'content-length': '5' }).end('hello');
  });
  const registry = createServer((req, res) => {
    record('registry', req);
    if (!req.headers.authorization) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"' }).end();
    if (req.url?.startsWith('/v2/app/blobs/')) return void res.writeHead(307, { location: `http://${storageHost}/signed/blob?sig=abc` }).end();
    res.writeHead(200).end('{}');
  });

  before(async () => {
    storageHost = await listen(storage);
    registryHost = await listen(registry);
  });
  after(() => {
    storage.close();
    registry.close();
  });

  it('follows a blob redirect to storage without the Authorization header', async () => {
    const client = new RegistryClient({ registry: registryHost, insecure: true, credentials: { username: 'u', password: 'secret-pw' } });
    const { body } = await blobs.getBlob(client, 'app', `sha256:${'1'.repeat(64)}`);
    let text = '';
    for await (const c of body) text += c;
    assert.equal(text, 'hello');
    const toStorage = seen.filter((s) => s.server === 'storage');
    assert.equal(toStorage.length, 1);
    assert.equal(toStorage[0]!.authorization, undefined);
    assert.ok(seen.some((s) => s.server === 'registry' && s.authorization?.startsWith('Basic ')));
    await client.close();
  });

  it('never sends credentials over plain http to a registry that is not marked insecure', async () => {
    seen.length = 0;
    const client = new RegistryClient({ registry: registryHost, credentials: { username: 'u', password: 'secret-pw' }, retry: { retries: 0 } });
    await assert.rejects(blobs.headBlob(client, 'app', `sha256:${'1'.repeat(64)}`));
    assert.ok(
      seen.every((s) => s.authorization === undefined),
      JSON.stringify(seen),
    );
    await client.close();
  });
});
