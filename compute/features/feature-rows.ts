/**
 * Feature rows one file at a time, and their assembly into a FeatureMatrix. Extraction produces
 * rows in completion order and may be resumed; the matrix is built once, in the order given.
 * A row with `frames` is a sequence (frames x bands values, bands = the columns), assembled into a
 * sequence matrix padded to the longest row.
 */
import { InputError } from '../../foundation/errors';
import type { FeatureMatrix, RowMeta } from './feature-matrix';

export interface FeatureRow extends RowMeta {
  values: Float32Array;
}

/** Builds a matrix from rows sharing `columns`. Duplicate files and wrong lengths are errors. */
export function assembleFeatureMatrix(columns: readonly string[], rows: readonly FeatureRow[]): FeatureMatrix {
  const cols = columns.length;
  const data = new Float32Array(rows.length * cols);
  const seen = new Set<string>();
  rows.forEach((row, r) => {
    if (row.values.length !== cols) {
      throw new InputError({ file: row.file, reason: 'feature row has the wrong length', expected: cols, actual: row.values.length, fix: 'extract all rows with the same feature set' });
    }
    if (seen.has(row.file)) throw new InputError({ file: row.file, reason: 'two feature rows for the same file', fix: 'merge rows from one extraction only once' });
    seen.add(row.file);
    data.set(row.values, r * cols);
  });
  return { rows: rows.length, cols, data, columns: [...columns], meta: rows.map(({ file, label, speaker }) => ({ file, label, speaker })) };
}

/** The rows of a matrix, as views into its data. */
export function featureRowsOf(matrix: FeatureMatrix): FeatureRow[] {
  return matrix.meta.map((meta, r) => ({ ...meta, values: matrix.data.subarray(r * matrix.cols, (r + 1) * matrix.cols) }));
}

/**
 * Builds a sequence matrix from unpadded rows of `frames * bands` values (bands = the column
 * names): each row zero-padded to the longest. Duplicate files and wrong lengths are errors.
 */
export function assembleSequenceMatrix(columns: readonly string[], rows: readonly FeatureRow[]): FeatureMatrix {
  const bands = columns.length;
  const seen = new Set<string>();
  let frames = 0;
  for (const row of rows) {
    if (row.frames === undefined || !Number.isInteger(row.frames) || row.frames < 1 || row.values.length !== row.frames * bands) {
      throw new InputError({ file: row.file, reason: `a sequence row must hold frames x ${bands} values`, expected: `${row.frames ?? '?'} x ${bands}`, actual: row.values.length, fix: 'extract all rows with the same log-Mel spec' });
    }
    if (seen.has(row.file)) throw new InputError({ file: row.file, reason: 'two feature rows for the same file', fix: 'merge rows from one extraction only once' });
    seen.add(row.file);
    frames = Math.max(frames, row.frames);
  }
  const cols = frames * bands;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, r) => data.set(row.values, r * cols));
  return {
    rows: rows.length, cols, data, columns: [...columns],
    meta: rows.map(({ file, label, speaker, frames: own }) => ({ file, label, speaker, frames: own as number })),
    shape: { kind: 'sequence', frames, bands },
  };
}

/** A matrix from rows of either shape: sequences when the rows carry their frame count. */
export function assembleRows(columns: readonly string[], rows: readonly FeatureRow[]): FeatureMatrix {
  return rows.length > 0 && rows[0]?.frames !== undefined ? assembleSequenceMatrix(columns, rows) : assembleFeatureMatrix(columns, rows);
}
