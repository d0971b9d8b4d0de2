/**
 * A FeatureMatrix as one Buffer, for the content-addressed store:
 *
 *   "SFM1" | u32 LE header length | header JSON (utf-8) | zero padding to 4 bytes | float32 LE data
 *
 * The header holds rows, cols, column names and row metadata. Decoding checks everything it can
 * (magic, header schema, sizes, exact byte length), so a truncated or padded blob is an error
 * rather than a matrix with garbage in its last rows.
 */
import { endianness } from 'node:os';
import { z } from 'zod';
import { InputError } from '../../foundation/errors';
import type { FeatureMatrix } from './feature-matrix';

const MAGIC = 'SFM1';

const headerSchema = z.strictObject({
  rows: z.number().int().nonnegative(),
  cols: z.number().int().nonnegative(),
  columns: z.array(z.string()),
  meta: z.array(z.strictObject({ file: z.string(), label: z.string(), speaker: z.string() })),
});

const littleEndian = endianness() === 'LE';

/** Encodes a matrix. Throws RangeError if its parts disagree in size (a bug upstream). */
export function encodeFeatureMatrix(m: FeatureMatrix): Buffer {
  if (m.data.length !== m.rows * m.cols || m.columns.length !== m.cols || m.meta.length !== m.rows) {
    throw new RangeError(`encodeFeatureMatrix: inconsistent matrix (rows ${m.rows}, cols ${m.cols}, data ${m.data.length}, columns ${m.columns.length}, meta ${m.meta.length})`);
  }
  const header = Buffer.from(JSON.stringify({ rows: m.rows, cols: m.cols, columns: m.columns, meta: m.meta.map(({ file, label, speaker }) => ({ file, label, speaker })) }), 'utf8');
  const dataStart = align4(8 + header.length);
  const out = Buffer.alloc(dataStart + m.data.length * 4);
  out.write(MAGIC, 0, 'ascii');
  out.writeUInt32LE(header.length, 4);
  header.copy(out, 8);
  if (littleEndian) {
    Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).copy(out, dataStart);
  } else {
    for (let i = 0; i < m.data.length; i++) out.writeFloatLE(m.data[i] as number, dataStart + i * 4);
  }
  return out;
}

/** Decodes a matrix; `source` names the blob in errors (a store key or file path). */
export function decodeFeatureMatrix(bytes: Uint8Array, source = 'feature matrix'): FeatureMatrix {
  const fail = (reason: string, expected?: unknown, actual?: unknown): never => {
    throw new InputError({ file: source, reason, ...(expected !== undefined ? { expected, actual } : {}), fix: 'the stored matrix is damaged: delete it and extract the features again' });
  };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8 || buf.toString('ascii', 0, 4) !== MAGIC) fail('not a serflow feature matrix (bad magic)');
  const headerLength = buf.readUInt32LE(4);
  if (8 + headerLength > buf.length) fail('header runs past the end of the buffer (truncated)', 8 + headerLength, buf.length);
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8', 8, 8 + headerLength));
  } catch {
    fail('header is not valid JSON');
  }
  const result = headerSchema.safeParse(parsed);
  if (!result.success) return fail(`header does not match the schema: ${z.prettifyError(result.error)}`);
  const h = result.data;
  if (h.columns.length !== h.cols) fail('column names do not match cols', h.cols, h.columns.length);
  if (h.meta.length !== h.rows) fail('row metadata does not match rows', h.rows, h.meta.length);
  const dataStart = align4(8 + headerLength);
  const expectedBytes = dataStart + h.rows * h.cols * 4;
  if (buf.length !== expectedBytes) fail(buf.length < expectedBytes ? 'data is truncated' : 'data has trailing bytes', expectedBytes, buf.length);
  const data = new Float32Array(h.rows * h.cols);
  if (littleEndian) {
    buf.copy(Buffer.from(data.buffer), 0, dataStart, expectedBytes);
  } else {
    for (let i = 0; i < data.length; i++) data[i] = buf.readFloatLE(dataStart + i * 4);
  }
  return { rows: h.rows, cols: h.cols, data, columns: h.columns, meta: h.meta };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
