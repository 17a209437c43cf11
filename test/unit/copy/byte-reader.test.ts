import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { ByteReader } from '../../../lib/copy/byte-reader.js';

const bytes = Buffer.from('0123456789abcdef');
// chunk boundaries (4, 3, 9) that never line up with the pieces asked for
const reader = () => new ByteReader(Readable.from([bytes.subarray(0, 4), bytes.subarray(4, 7), bytes.subarray(7)]));

async function all(stream: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of stream) out.push(c as Buffer);
  return Buffer.concat(out);
}

describe('ByteReader', () => {
  it('cuts consecutive exact pieces across chunk boundaries, carrying the surplus to the next piece', async () => {
    const r = reader();
    assert.equal((await all(r.take(2))).toString(), '01');
    assert.equal((await all(r.take(3))).toString(), '234');
    assert.equal((await all(r.take(6))).toString(), '56789a');
    assert.equal((await all(r.take(5))).toString(), 'bcdef');
    assert.equal(await r.rest(), 0);
  });

  it('skip discards exactly n bytes, up to the very end of the stream', async () => {
    const r = reader();
    await r.skip(5);
    assert.equal((await all(r.take(1))).toString(), '5');
    await r.skip(10);
    assert.equal(await r.rest(), 0);
    const whole = reader();
    await whole.skip(16);
    assert.equal(await whole.rest(), 0);
  });

  it('rest counts the bytes left over (a too-long source is measured, not ignored)', async () => {
    const r = reader();
    await r.skip(3);
    assert.equal(await r.rest(), 13);
  });

  it('take hands out a byte stream, not an object stream', () => {
    assert.equal(reader().take(4).readableObjectMode, false);
  });

  it('fails a piece the stream cannot fill, saying how many bytes were missing', async () => {
    const r = reader();
    await r.skip(10);
    await assert.rejects(all(r.take(9)), { message: 'stream ended 3 bytes early' });
  });
});
