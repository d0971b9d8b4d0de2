/**
 * A labelled set of feature vectors, the currency of folds, augmentation and classifiers.
 * Labels are class indices into `classes`.
 */
export interface LabelledSet {
  rows: number;
  cols: number;
  /** Row-major, rows * cols values. */
  x: Float32Array;
  /** Class index per row, in [0, classes.length). */
  y: Int32Array;
  classes: string[];
}

/** A new set of the given rows of `set`, in the given order (copies; the source is untouched). */
export function selectRows(set: LabelledSet, rows: readonly number[]): LabelledSet {
  const { cols } = set;
  const x = new Float32Array(rows.length * cols);
  const y = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    if (!Number.isInteger(r) || r < 0 || r >= set.rows) throw new RangeError(`selectRows: row ${r} is out of range (${set.rows} rows)`);
    x.set(set.x.subarray(r * cols, (r + 1) * cols), i * cols);
    y[i] = set.y[r] as number;
  });
  return { rows: rows.length, cols, x, y, classes: [...set.classes] };
}
