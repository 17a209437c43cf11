import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { DigestMismatchError, DigestVerifier, sha256Digest } from '../../../lib/oci/index.js';

const data = Buffer.from('0123456789');
const digest = sha256Digest(data);
const other = sha256Digest(Buffer.from('something else'));

/** Streams `chunks` through a verifier; resolves with the bytes that came out, rejects with the verifier's error. */
async function verify(v: DigestVerifier, chunks: Iterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  const drain = (async () => {
    for await (const c of v) out.push(c as Buffer);
  })();
  await Promise.all([pipeline(Readable.from(chunks), v), drain]);
  return Buffer.concat(out);
}

describe('DigestMismatchError', () => {
  it('names the expected digest and size and what arrived (the message users read)', () => {
    const err = new DigestMismatchError({ digest, size: 10 }, { digest: other, size: 14 });
    assert.equal(err.message, `content does not match its descriptor: expected ${digest} (10 bytes), got ${other} (14 bytes)`);
    assert.equal(err.name, 'DigestMismatchError');
    assert.equal(err.code, 'DIGEST_MISMATCH');
    assert.deepEqual(
      [err.expected, err.actual],
      [
        { digest, size: 10 },
        { digest: other, size: 14 },
      ],
    );
  });

  it('leaves the expected size out when the descriptor has none', () => {
    const err = new DigestMismatchError({ digest }, { digest: other, size: 14 });
    assert.equal(err.message, `content does not match its descriptor: expected ${digest}, got ${other} (14 bytes)`);
  });
});

describe('DigestVerifier', () => {
  it('refuses a digest that is not sha256 when it is built (it could not verify it)', () => {
    const sha512 = `sha512:${'a'.repeat(128)}`;
    assert.throws(() => new DigestVerifier({ digest: sha512, size: 1 }), { name: 'Error', message: `unsupported digest algorithm: ${sha512}` });
    assert.throws(() => new DigestVerifier({ digest: `sha256:${'A'.repeat(64)}` }), /unsupported digest algorithm: sha256:A/);
  });

  it('passes a size-less descriptor on its digest alone', async () => {
    const progress: number[] = [];
    const v = new DigestVerifier({ digest }, undefined, (n) => progress.push(n));
    assert.deepEqual(await verify(v, [data.subarray(0, 4), data.subarray(4)]), data);
    assert.deepEqual(progress, [4, 6]);
    assert.equal(v.bytesSeen, 10);
  });

  it('fails a size-less descriptor whose digest differs', async () => {
    await assert.rejects(verify(new DigestVerifier({ digest: other }), [data]), {
      name: 'DigestMismatchError',
      message: `content does not match its descriptor: expected ${other}, got ${digest} (10 bytes)`,
    });
  });

  it('fails content of the right digest when the declared size is larger (a lying descriptor)', async () => {
    const v = new DigestVerifier({ digest, size: 11 });
    let ended = false;
    v.on('end', () => (ended = true));
    await assert.rejects(verify(v, [data]), {
      name: 'DigestMismatchError',
      message: `content does not match its descriptor: expected ${digest} (11 bytes), got ${digest} (10 bytes)`,
    });
    assert.equal(ended, false);
  });

  it('fails a stream longer than the declared size as soon as it passes it, before reading the rest', async () => {
    let pulled = 0;
    function* endless(): Generator<Buffer> {
      for (; pulled < 10_000; pulled++) yield Buffer.alloc(8, 1);
    }
    const progress: number[] = [];
    const v = new DigestVerifier({ digest, size: 10 }, undefined, (n) => progress.push(n));
    const out: Buffer[] = [];
    const drain = (async () => {
      for await (const c of v) out.push(c as Buffer);
    })();
    await assert.rejects(Promise.all([pipeline(Readable.from(endless()), v), drain]), {
      name: 'DigestMismatchError',
      message: `content does not match its descriptor: expected ${digest} (10 bytes), got unknown (too long) (16 bytes)`,
    });
    assert.ok(pulled < 100, `read ${pulled} chunks of an over-long stream`);
    // the chunk that crossed the size is neither passed on nor counted as progress
    assert.deepEqual(progress, [8]);
    assert.ok(Buffer.concat(out).length <= 8);
  });

  it('buffers up to 64 KiB on each side, so a 20 KiB write is taken without back-pressure', () => {
    const v = new DigestVerifier({ digest: sha256Digest(Buffer.alloc(20 * 1024)), size: 20 * 1024 });
    assert.equal(v.writableHighWaterMark, 64 * 1024);
    assert.equal(v.readableHighWaterMark, 64 * 1024);
    assert.equal(v.write(Buffer.alloc(20 * 1024)), true);
    v.destroy();
  });
});
