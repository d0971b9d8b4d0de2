/**
 * The binary layout of a trainer checkpoint: one Buffer, self-checking.
 *
 *   bytes 0..7    magic "SFCGCKP1"
 *   bytes 8..39   sha256 of every byte from offset 40 to the end
 *   bytes 40..43  header length H (uint32 little-endian)
 *   H bytes       header: UTF-8 JSON { meta, tensors: [{ name, dtype, shape }] }
 *   0-3 bytes     zero padding to a multiple of 4
 *   payload       the tensors' values in header order, float32/int32 little-endian
 *
 * Decoding checks the magic, the hash, the header and that the payload holds exactly the listed
 * tensors; any mismatch throws CorruptCheckpointError (an InputError: reading the same bytes
 * again cannot help; the caller falls back to an earlier checkpoint or starts from scratch).
 */
import { createHash } from 'node:crypto';
import { InputError } from '../../foundation/errors';

const MAGIC = Buffer.from('SFCGCKP1', 'ascii');
const HASH_OFFSET = MAGIC.length;
const HEADER_LENGTH_OFFSET = HASH_OFFSET + 32;
const HEADER_OFFSET = HEADER_LENGTH_OFFSET + 4;

export interface CheckpointTensor {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface DecodedCheckpoint {
  meta: unknown;
  tensors: Map<string, CheckpointTensor>;
}

export class CorruptCheckpointError extends InputError {
  readonly corruptCheckpoint = true;
  constructor(reason: string) {
    super({ field: 'checkpoint', reason, fix: 'resume from the previous checkpoint, or train from scratch' });
  }
}

export function encodeCheckpoint(meta: unknown, tensors: CheckpointTensor[]): Buffer {
  const header = Buffer.from(JSON.stringify({
    meta,
    tensors: tensors.map((t) => ({ name: t.name, dtype: t.data instanceof Int32Array ? 'int32' : 'float32', shape: t.shape })),
  }), 'utf8');
  for (const t of tensors) {
    const size = t.shape.reduce((a, c) => a * c, 1);
    if (size !== t.data.length) throw new Error(`checkpoint tensor ${t.name}: shape ${JSON.stringify(t.shape)} but ${t.data.length} values`);
  }
  const padding = (4 - ((HEADER_OFFSET + header.length) % 4)) % 4;
  const payloadBytes = tensors.reduce((a, t) => a + t.data.byteLength, 0);
  const buf = Buffer.alloc(HEADER_OFFSET + header.length + padding + payloadBytes);
  MAGIC.copy(buf, 0);
  buf.writeUInt32LE(header.length, HEADER_LENGTH_OFFSET);
  header.copy(buf, HEADER_OFFSET);
  let offset = HEADER_OFFSET + header.length + padding;
  for (const t of tensors) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(buf, offset);
    offset += t.data.byteLength;
  }
  createHash('sha256').update(buf.subarray(HEADER_LENGTH_OFFSET)).digest().copy(buf, HASH_OFFSET);
  return buf;
}

export function decodeCheckpoint(buf: Buffer): DecodedCheckpoint {
  if (!Buffer.isBuffer(buf)) throw new CorruptCheckpointError('not a Buffer');
  if (buf.length < HEADER_OFFSET) throw new CorruptCheckpointError(`only ${buf.length} bytes, shorter than the fixed header`);
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new CorruptCheckpointError('bad magic bytes: not a serflow cycle-GAN checkpoint');
  const stored = buf.subarray(HASH_OFFSET, HASH_OFFSET + 32);
  const actual = createHash('sha256').update(buf.subarray(HEADER_LENGTH_OFFSET)).digest();
  if (!stored.equals(actual)) throw new CorruptCheckpointError(`sha256 mismatch (stored ${stored.toString('hex').slice(0, 12)}..., computed ${actual.toString('hex').slice(0, 12)}...): truncated or altered`);
  const headerLength = buf.readUInt32LE(HEADER_LENGTH_OFFSET);
  if (HEADER_OFFSET + headerLength > buf.length) throw new CorruptCheckpointError('header length runs past the end of the buffer');
  let header: { meta?: unknown; tensors?: unknown };
  try {
    header = JSON.parse(buf.subarray(HEADER_OFFSET, HEADER_OFFSET + headerLength).toString('utf8')) as typeof header;
  } catch (e) {
    throw new CorruptCheckpointError(`header is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(header.tensors)) throw new CorruptCheckpointError('header has no tensor list');
  let offset = HEADER_OFFSET + headerLength + ((4 - ((HEADER_OFFSET + headerLength) % 4)) % 4);
  const tensors = new Map<string, CheckpointTensor>();
  for (const entry of header.tensors as unknown[]) {
    const e = entry as { name?: unknown; dtype?: unknown; shape?: unknown };
    if (typeof e.name !== 'string' || (e.dtype !== 'float32' && e.dtype !== 'int32') || !Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new CorruptCheckpointError(`malformed tensor entry ${JSON.stringify(entry).slice(0, 100)}`);
    }
    const shape = e.shape as number[];
    const size = shape.reduce((a, c) => a * c, 1);
    const bytes = size * 4;
    if (offset + bytes > buf.length) throw new CorruptCheckpointError(`tensor ${e.name} (${size} values) runs past the end of the payload`);
    // Copy into a fresh, aligned ArrayBuffer: the source Buffer may live at any byte offset.
    const raw = new ArrayBuffer(bytes);
    buf.copy(new Uint8Array(raw), 0, offset, offset + bytes);
    tensors.set(e.name, { name: e.name, shape, data: e.dtype === 'int32' ? new Int32Array(raw) : new Float32Array(raw) });
    offset += bytes;
  }
  if (offset !== buf.length) throw new CorruptCheckpointError(`payload has ${buf.length - offset} bytes more than the listed tensors`);
  return { meta: header.meta, tensors };
}
