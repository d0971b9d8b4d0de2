/**
 * A FeatureMatrix as one Buffer, for the content-addressed store:
 *
 *   "SFM1" | u32 LE header length | header JSON (utf-8) | zero padding to 4 bytes | float32 LE data
 *
 * The header holds rows, cols, column names, row metadata and, for sequences, the shape (a
 * vector matrix is written exactly as before shapes existed, so its key does not change).
 * A sequence matrix names its bands, not its frames x bands values: `columns` has `bands`
 * names and cols = frames * bands. Decoding checks everything it can
 * (magic, header schema, sizes, exact byte length), so a truncated or padded blob is an error
 * rather than a matrix with garbage in its last rows.
 */
import { endianness } from 'node:os';
import { z } from 'zod';
import { InputError } from '../../foundation/errors';
import type { FeatureMatrix } from './feature-matrix';
import { featureShapeSchema, type FeatureShape } from './feature-shape';

const MAGIC = 'SFM1';

const headerSchema = z.strictObject({
  rows: z.number().int().nonnegative(),
  cols: z.number().int().nonnegative(),
  columns: z.array(z.string()),
  meta: z.array(z.strictObject({ file: z.string(), label: z.string(), speaker: z.string(), frames: z.number().int().positive().optional() })),
  shape: featureShapeSchema.optional(),
});

const littleEndian = endianness() === 'LE';

/** Encodes a matrix. Throws RangeError if its parts disagree in size (a bug upstream). */
export function encodeFeatureMatrix(m: FeatureMatrix): Buffer {
  const problem = m.data.length !== m.rows * m.cols || m.meta.length !== m.rows ? 'sizes' : shapeProblem(m.shape, m.cols, m.columns.length, m.meta);
  if (problem) {
    throw new RangeError(`encodeFeatureMatrix: inconsistent matrix, ${problem} (rows ${m.rows}, cols ${m.cols}, data ${m.data.length}, columns ${m.columns.length}, meta ${m.meta.length}, shape ${JSON.stringify(m.shape ?? 'vector')})`);
  }
  const sequence = m.shape?.kind === 'sequence';
  const meta = m.meta.map(({ file, label, speaker, frames }) => (sequence ? { file, label, speaker, frames } : { file, label, speaker }));
  const header = Buffer.from(JSON.stringify({ rows: m.rows, cols: m.cols, columns: m.columns, meta, ...(sequence ? { shape: m.shape } : {}) }), 'utf8');
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
  if (h.meta.length !== h.rows) fail('row metadata does not match rows', h.rows, h.meta.length);
  const problem = shapeProblem(h.shape, h.cols, h.columns.length, h.meta);
  if (problem) fail(problem);
  const dataStart = align4(8 + headerLength);
  const expectedBytes = dataStart + h.rows * h.cols * 4;
  if (buf.length !== expectedBytes) fail(buf.length < expectedBytes ? 'data is truncated' : 'data has trailing bytes', expectedBytes, buf.length);
  const data = new Float32Array(h.rows * h.cols);
  if (littleEndian) {
    buf.copy(Buffer.from(data.buffer), 0, dataStart, expectedBytes);
  } else {
    for (let i = 0; i < data.length; i++) data[i] = buf.readFloatLE(dataStart + i * 4);
  }
  return { rows: h.rows, cols: h.cols, data, columns: h.columns, meta: h.meta, ...(h.shape ? { shape: h.shape } : {}) };
}

/** What is wrong with a matrix's columns and rows for its shape, or undefined. */
function shapeProblem(shape: FeatureShape | undefined, cols: number, columns: number, meta: readonly { frames?: number | undefined }[]): string | undefined {
  if (shape?.kind !== 'sequence') {
    if (columns !== cols) return `${columns} column names for ${cols} columns`;
    return meta.some((m) => m.frames !== undefined) ? 'frame counts in the rows of a vector matrix' : undefined;
  }
  if (columns !== shape.bands) return `${columns} band names for ${shape.bands} bands`;
  if (cols !== shape.frames * shape.bands) return `${cols} columns for ${shape.frames} frames x ${shape.bands} bands`;
  const bad = meta.findIndex((m) => m.frames === undefined || m.frames < 1 || m.frames > shape.frames);
  return bad >= 0 ? `row ${bad} has ${meta[bad]?.frames ?? 'no'} frames (1..${shape.frames})` : undefined;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
