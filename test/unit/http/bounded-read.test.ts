import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { type BodyFailure, HttpBodyError, readBounded, readBoundedJson } from '../../../lib/http/bounded-read.js';
import { TransportError } from '../../../lib/http/index.js';

const URL = 'https://registry.test/v2/x/manifests/y';
const KiB = 1024;
const MiB = 1024 * KiB;

/** A fail factory that keeps the BodyFailure, so each test can check kind, detail and code. */
const capture = (failure: BodyFailure): Error & { failure: BodyFailure } => Object.assign(new Error(failure.detail), { failure });
const failureOf = (err: unknown): BodyFailure => (err as { failure: BodyFailure }).failure;

const chunks = (...parts: string[]): Readable => Readable.from(parts.map((p) => Buffer.from(p)));
/** A body that counts how often it is asked for data. */
function counted(text: string): { body: Readable; reads: () => number } {
  let n = 0;
  const body = new Readable({
    read() {
      n += 1;
      this.push(Buffer.from(text));
      this.push(null);
    },
  });
  return { body, reads: () => n };
}
/** A body that yields `first`, then fails with `err`. */
function breaking(first: string, err: unknown): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.from(first);
      throw err;
    })(),
  );
}

describe('HttpBodyError', () => {
  it('maps each kind to its own code; only a broken body is retryable; named HttpBodyError; message names the URL', () => {
    const cause = new Error('reset');
    const tooLarge = new HttpBodyError({ kind: 'too-large', url: URL, detail: 'manifest larger than 4 MiB' });
    const broken = new HttpBodyError({ kind: 'broken', url: URL, detail: 'reading the manifest: ECONNRESET', cause });
    const notJson = new HttpBodyError({ kind: 'not-json', url: URL, detail: 'manifest is not JSON' });
    assert.deepEqual(
      [tooLarge, broken, notJson].map((e) => [e.code, e.retryable, e.name]),
      [
        ['HTTP_BODY_TOO_LARGE', false, 'HttpBodyError'],
        ['HTTP_BODY_BROKEN', true, 'HttpBodyError'],
        ['HTTP_BODY_NOT_JSON', false, 'HttpBodyError'],
      ],
    );
    assert.equal(tooLarge.message, `${URL}: manifest larger than 4 MiB`);
    assert.equal(broken.cause, cause);
  });
});

describe('readBounded', () => {
  it('refuses by default (no mode given) a body that streams past the cap', async () => {
    await assert.rejects(readBounded({ body: chunks('abcd', 'efgh'), url: URL }, 6, 'manifest'), (err: HttpBodyError) => {
      assert.equal(err.code, 'HTTP_BODY_TOO_LARGE');
      assert.equal(err.message, `${URL}: manifest larger than 0.005859375 KiB`);
      return true;
    });
  });

  it('refuses a declared Content-Length over the cap before reading a byte, and destroys the body', async () => {
    const { body, reads } = counted('abcdefgh');
    await assert.rejects(readBounded({ body, url: URL, headers: { 'content-length': '8' } }, 7, 'manifest', { fail: capture }), (err) => {
      assert.equal(failureOf(err).kind, 'too-large');
      return true;
    });
    assert.equal(reads(), 0);
    assert.ok(body.destroyed);
  });

  it('takes the first of repeated Content-Length values', async () => {
    const { body, reads } = counted('abcdefgh');
    await assert.rejects(readBounded({ body, url: URL, headers: { 'content-length': ['8', '8'] } }, 7, 'manifest', { fail: capture }));
    assert.equal(reads(), 0);
  });

  it('accepts a body of exactly the cap, declared or streamed in several chunks', async () => {
    const declared = await readBounded({ body: chunks('abc', 'def', 'g'), url: URL, headers: { 'content-length': ['7'] } }, 7, 'manifest');
    assert.equal(declared.toString(), 'abcdefg');
    const streamed = await readBounded({ body: chunks('abc', 'def', 'g'), url: URL }, 7, 'manifest');
    assert.equal(streamed.toString(), 'abcdefg');
  });

  it('ignores a Content-Length that is not a number and reads the body', async () => {
    const out = await readBounded({ body: chunks('abc'), url: URL, headers: { 'content-length': 'lots' } }, 7, 'manifest');
    assert.equal(out.toString(), 'abc');
  });

  it('counts the size over all chunks: many small chunks past the cap are refused', async () => {
    await assert.rejects(readBounded({ body: chunks('ab', 'cd', 'ef', 'gh'), url: URL }, 7, 'manifest', { fail: capture }), (err) => {
      assert.equal(failureOf(err).kind, 'too-large');
      assert.equal(failureOf(err).detail, 'manifest larger than 0.0068359375 KiB');
      return true;
    });
  });

  it('truncate keeps exactly the first cap bytes, even past a declared Content-Length, and destroys the rest', async () => {
    const body = chunks('abc', 'def', 'ghi', 'jkl');
    const out = await readBounded({ body, url: URL, headers: { 'content-length': '12' } }, 7, 'error body', { mode: 'truncate' });
    assert.equal(out.toString(), 'abcdefg');
    assert.ok(body.destroyed);
  });

  it('passes an abort through as it is', async () => {
    const abort = new DOMException('stop', 'AbortError');
    await assert.rejects(readBounded({ body: breaking('ab', abort), url: URL }, 100, 'manifest', { fail: capture }), (err) => err === abort);
  });

  it('turns a read error into kind broken, naming what, the system code and the message', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    await assert.rejects(readBounded({ body: breaking('ab', reset), url: URL }, 100, 'manifest', { fail: capture }), (err) => {
      const f = failureOf(err);
      assert.deepEqual([f.kind, f.url, f.detail, f.code, f.cause], ['broken', URL, 'reading the manifest: ECONNRESET: socket hang up', 'ECONNRESET', reset]);
      return true;
    });
  });

  it('a broken read keeps a transport code; an error without a code gets no code prefix', async () => {
    const slow = new TransportError('BODY_TIMEOUT', 'body silent for 5 ms');
    await assert.rejects(readBounded({ body: breaking('ab', slow), url: URL }, 100, 'blob'), (err: HttpBodyError) => {
      assert.equal(err.code, 'HTTP_BODY_BROKEN');
      assert.equal(err.message, `${URL}: reading the blob: BODY_TIMEOUT: body silent for 5 ms`);
      assert.equal(err.cause, slow);
      return true;
    });
    await assert.rejects(readBounded({ body: breaking('ab', new Error('boom')), url: URL }, 100, 'blob', { fail: capture }), (err) => {
      assert.equal(failureOf(err).detail, 'reading the blob: boom');
      assert.equal(failureOf(err).code, '');
      return true;
    });
  });

  it('prints the cap in MiB from 1 MiB up and in KiB below', async () => {
    const detail = async (cap: number): Promise<string> => {
      const err = await readBounded({ body: chunks('x'), url: URL, headers: { 'content-length': String(cap + 1) } }, cap, 'manifest', { fail: capture }).catch(
        (e: unknown) => e,
      );
      return failureOf(err).detail;
    };
    assert.equal(await detail(MiB), 'manifest larger than 1 MiB');
    assert.equal(await detail(4 * MiB), 'manifest larger than 4 MiB');
    assert.equal(await detail(MiB - KiB), 'manifest larger than 1023 KiB');
    assert.equal(await detail(64 * KiB), 'manifest larger than 64 KiB');
  });
});

describe('readBoundedJson', () => {
  it('parses JSON within the cap', async () => {
    assert.deepEqual(await readBoundedJson({ body: chunks('{"a":', '1}'), url: URL }, 100, 'manifest'), { a: 1 });
  });

  it('fails a body that is not JSON with kind not-json, through the given factory or as HttpBodyError', async () => {
    await assert.rejects(readBoundedJson({ body: chunks('<html>'), url: URL }, 100, 'manifest', { fail: capture }), (err) => {
      assert.deepEqual(failureOf(err), { kind: 'not-json', url: URL, detail: 'manifest is not JSON' });
      return true;
    });
    await assert.rejects(readBoundedJson({ body: chunks('<html>'), url: URL }, 100, 'manifest'), (err: HttpBodyError) => {
      assert.equal(err.code, 'HTTP_BODY_NOT_JSON');
      assert.equal(err.message, `${URL}: manifest is not JSON`);
      return true;
    });
  });
});
