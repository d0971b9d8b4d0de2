/**
 * A labelled set of feature rows, the currency of folds, augmentation and classifiers.
 * Labels are class indices into `classes`. A row is a vector unless `sequence` is present.
 */
export interface LabelledSet {
  rows: number;
  cols: number;
  /** Row-major, rows * cols values. */
  x: Float32Array;
  /** Class index per row, in [0, classes.length). */
  y: Int32Array;
  classes: string[];
  /**
   * Rows that are sequences (compute/features/feature-shape.ts): cols = frames * bands,
   * frame-major, row r's frames from lengths[r] on are zeros. Absent for vectors.
   */
  sequence?: SequenceRows;
}

export interface SequenceRows {
  frames: number;
  bands: number;
  /** Frames of each row (1..frames); the rest of the row is padding. */
  lengths: Int32Array;
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
  const sequence = set.sequence ? { ...set.sequence, lengths: Int32Array.from(rows, (r) => set.sequence?.lengths[r] as number) } : undefined;
  return { rows: rows.length, cols, x, y, classes: [...set.classes], ...(sequence ? { sequence } : {}) };
}
