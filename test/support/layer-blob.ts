import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { crc32 } from 'node:zlib';

/** A generated layer: digest and size of the tar+gzip blob, and the sha256 of the tar (rootfs diff_id). */
export interface LayerBlob {
  digest: string;
  size: number;
  diffId: string;
}

/*
 * Layer = gzip (stored deflate blocks: valid, no CPU, so skopeo keeps it as is) of a tar holding one file
 * whose `payloadSize` bytes are the AES-256-CTR keystream keyed by sha256(seed). Same seed and size,
 * same bytes, in every process and with every zlib version.
 */
const STORED_MAX = 65_535;
const PAYLOAD_CHUNK = STORED_MAX * 16;
const MTIME = 1_704_067_200; // 2024-01-01T00:00:00Z
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]);

const described = new Map<string, Promise<LayerBlob>>();

/** Digest, size and diff_id of a layer, computed by streaming it once (memoised per seed and size). */
export function describeLayer(seed: string, payloadSize: number): Promise<LayerBlob> {
  const key = `${payloadSize}:${seed}`;
  let result = described.get(key);
  if (!result) {
    result = hashLayer(seed, payloadSize);
    described.set(key, result);
  }
  return result;
}

/** The layer's blob bytes as a fresh stream; memory use stays at about one 1 MiB chunk. */
export function layerStream(seed: string, payloadSize: number): Readable {
  return Readable.from(gzipStored(tarPieces(seed, payloadSize)), { objectMode: false });
}

async function hashLayer(seed: string, payloadSize: number): Promise<LayerBlob> {
  const blob = createHash('sha256');
  const diff = createHash('sha256');
  let size = 0;
  let n = 0;
  for (const chunk of gzipStored(tarPieces(seed, payloadSize), (piece) => diff.update(piece))) {
    blob.update(chunk);
    size += chunk.length;
    if (++n % 8 === 0) await nextTurn(); // let servers in this process breathe during a 1 GiB layer
  }
  return { digest: `sha256:${blob.digest('hex')}`, size, diffId: `sha256:${diff.digest('hex')}` };
}

function* tarPieces(seed: string, payloadSize: number): Generator<Buffer> {
  const key = createHash('sha256').update(seed).digest();
  yield tarHeader(`layer/${key.toString('hex').slice(0, 16)}.bin`, payloadSize);
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(Math.min(PAYLOAD_CHUNK, payloadSize));
  for (let left = payloadSize; left > 0; ) {
    const n = Math.min(left, PAYLOAD_CHUNK);
    left -= n;
    yield cipher.update(zeros.subarray(0, n));
  }
  yield Buffer.alloc(((512 - (payloadSize % 512)) % 512) + 1024); // padding + end-of-archive
}

function* gzipStored(pieces: Iterable<Buffer>, onPiece?: (piece: Buffer) => void): Generator<Buffer> {
  yield GZIP_HEADER;
  let crc = 0;
  let length = 0;
  for (const piece of pieces) {
    if (piece.length === 0) continue;
    onPiece?.(piece);
    crc = crc32(piece, crc);
    length += piece.length;
    yield storedBlocks(piece);
  }
  const tail = Buffer.alloc(13);
  tail[0] = 1; // final, empty stored block
  tail.writeUInt16LE(0xffff, 3);
  tail.writeUInt32LE(crc >>> 0, 5);
  tail.writeUInt32LE(length % 2 ** 32, 9);
  yield tail;
}

function storedBlocks(data: Buffer): Buffer {
  const blocks = Math.ceil(data.length / STORED_MAX);
  const out = Buffer.allocUnsafe(data.length + 5 * blocks);
  let o = 0;
  for (let i = 0; i < data.length; i += STORED_MAX) {
    const len = Math.min(STORED_MAX, data.length - i);
    out[o] = 0;
    out.writeUInt16LE(len, o + 1);
    out.writeUInt16LE(~len & 0xffff, o + 3);
    data.copy(out, o + 5, i, i + len);
    o += 5 + len;
  }
  return out;
}

function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  const octal = (value: number, width: number): string => `${value.toString(8).padStart(width - 1, '0')}\0`;
  h.write(name, 0, 100, 'ascii');
  h.write(octal(0o644, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(MTIME, 12), 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}
