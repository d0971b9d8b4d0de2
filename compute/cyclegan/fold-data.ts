/**
 * The data a fold's cycle-GANs train on, and its checks: the source domain S, the real training
 * fold (targets T_i and the auxiliary classifier's training set) and the classes that get a GAN.
 *
 * Checked once, before any tensor exists, so that bad data is an InputError naming the field,
 * the row and the fix instead of NaN losses (or a shape error) some epochs later. Free of tfjs.
 */
import { InputError } from '../../foundation/errors';
import type { LabelledSet } from '../labelled-set';

/** Unlabelled source vectors S, row-major. */
export interface SourceMatrix {
  rows: number;
  cols: number;
  x: Float32Array;
}

export interface CycleGanFoldData {
  /**
   * The source domain S, in the same normalised space as `train`. The caller chooses it: the
   * pooled training fold without labels (`sourceFromTrainingFold`, the default choice), unused
   * classes, or an external table.
   */
  source: SourceMatrix;
  /** The real training fold: the targets T_i, and the auxiliary classifier's training set. */
  train: LabelledSet;
  /** Class indices (into `train.classes`) that get a GAN. Default: every class. */
  targetClasses?: number[];
}

/** Fold data that passed `checkFoldData`, with the target rows gathered per target class. */
export interface CheckedFoldData {
  source: SourceMatrix;
  train: LabelledSet;
  targetClasses: number[];
  /** Training rows of each target class, in targetClasses order. */
  targetCounts: number[];
  /** The target rows of every target class, concatenated in targetClasses order, row-major. */
  targets: Float32Array;
}

/** The default source domain: the training fold's vectors without their labels. */
export function sourceFromTrainingFold(train: LabelledSet): SourceMatrix {
  return { rows: train.rows, cols: train.cols, x: train.x };
}

/**
 * Checks the fold data and gathers each target class's rows. Throws InputError on a dimension
 * mismatch, non-finite values, fewer than 2 source rows, a label outside the class list, target
 * classes that are not distinct indices into it, or a target class with fewer than 2 vectors.
 */
export function checkFoldData(data: CycleGanFoldData): CheckedFoldData {
  const { train, source } = data;
  validateMatrix('train', train.rows, train.cols, train.x);
  validateMatrix('source', source.rows, source.cols, source.x);
  if (source.cols !== train.cols) throw new InputError({ field: 'source.cols', reason: 'source and training vectors differ in dimension', expected: train.cols, actual: source.cols });
  if (source.rows < 2) throw new InputError({ field: 'source.rows', reason: 'the source domain needs at least 2 vectors', actual: source.rows });
  if (train.y.length !== train.rows) throw new InputError({ field: 'train.y', reason: 'one label per row', expected: train.rows, actual: train.y.length });
  const numClasses = train.classes.length;
  for (const label of train.y) {
    if (!(label >= 0 && label < numClasses)) throw new InputError({ field: 'train.y', reason: 'label outside [0, classes.length)', actual: label });
  }
  const targetClasses = data.targetClasses ?? train.classes.map((_, i) => i);
  if (targetClasses.length === 0 || new Set(targetClasses).size !== targetClasses.length || targetClasses.some((k) => !Number.isInteger(k) || k < 0 || k >= numClasses)) {
    throw new InputError({ field: 'targetClasses', reason: 'must be distinct class indices into train.classes', actual: targetClasses });
  }
  const dim = train.cols;
  const targetCounts: number[] = [];
  const targetRows: number[] = [];
  for (const k of targetClasses) {
    let count = 0;
    for (let r = 0; r < train.rows; r++) if (train.y[r] === k) { targetRows.push(r); count++; }
    if (count < 2) {
      throw new InputError({ field: `train (class '${train.classes[k]}')`, reason: `class has ${count} training vector(s); a GAN needs at least 2`, fix: 'drop the class from targetClasses or use a larger fold' });
    }
    targetCounts.push(count);
  }
  const targets = new Float32Array(targetRows.length * dim);
  targetRows.forEach((r, i) => targets.set(train.x.subarray(r * dim, (r + 1) * dim), i * dim));
  return { source, train, targetClasses, targetCounts, targets };
}

/** A row-major matrix: positive integer sizes, enough values, every one of them finite. */
export function validateMatrix(field: string, rows: number, cols: number, x: Float32Array): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) throw new InputError({ field, reason: 'rows and cols must be positive integers', actual: { rows, cols } });
  if (x.length < rows * cols) throw new InputError({ field: `${field}.x`, reason: 'fewer values than rows * cols', expected: rows * cols, actual: x.length });
  for (let i = 0; i < rows * cols; i++) {
    if (!Number.isFinite(x[i] as number)) throw new InputError({ field: `${field}.x`, reason: `non-finite value at row ${Math.floor(i / cols)}, column ${i % cols}`, fix: 'impute or drop the row before augmentation' });
  }
}
