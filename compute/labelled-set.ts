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
