/**
 * Feature rows one file at a time, and their assembly into a FeatureMatrix. Extraction produces
 * rows in completion order and may be resumed; the matrix is built once, in the order given.
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
