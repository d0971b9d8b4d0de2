/**
 * The training and test sets of a fold, z-normalised with statistics of the training rows only
 * (per column for vectors, per band for sequences: compute/normalise.ts),
 * and the speaker of every training row: model selection and the early-stopping hold-out split
 * the training rows by speaker (compute/select, compute/evaluate/train-on-real-rows.ts).
 */
import type { FeatureMatrix } from '../features/feature-matrix';
import type { LabelledSet } from '../labelled-set';
import { applyRowStandardisation, fitRowStandardisation, type RowLayout } from '../normalise';
import type { FoldDefinition } from './fold-definition';

export interface FoldSets {
  train: LabelledSet;
  test: LabelledSet;
  /** Speaker of each training row (trainSpeakers[i] is the speaker of train row i). */
  trainSpeakers: string[];
}

/** `classes` fixes the label order (and so the class indices) for every fold of an experiment. */
export function foldSets(matrix: FeatureMatrix, fold: FoldDefinition, classes: readonly string[]): FoldSets {
  const shape = matrix.shape?.kind === 'sequence' ? matrix.shape : undefined;
  const lengths = shape ? Int32Array.from(matrix.meta, (m, i) => {
    if (m.frames === undefined) throw new RangeError(`foldSets: row ${i} of a sequence matrix has no frame count`);
    return m.frames;
  }) : undefined;
  const layout: RowLayout = { cols: matrix.cols, ...(shape && lengths ? { sequence: { bands: shape.bands, lengths } } : {}) };
  const z = fitRowStandardisation(matrix.data, layout, fold.trainIndices);
  const labelsOf = (indices: readonly number[]) =>
    Int32Array.from(indices, (i) => {
      const label = matrix.meta[i]?.label ?? '';
      const index = classes.indexOf(label);
      if (index < 0) throw new RangeError(`foldSets: row ${i} has label ${JSON.stringify(label)} outside the experiment's classes`);
      return index;
    });
  const set = (indices: readonly number[]): LabelledSet => ({
    rows: indices.length,
    cols: matrix.cols,
    x: applyRowStandardisation(z, matrix.data, layout, indices),
    y: labelsOf(indices),
    classes: [...classes],
    ...(shape && lengths ? { sequence: { frames: shape.frames, bands: shape.bands, lengths: Int32Array.from(indices, (i) => lengths[i] as number) } } : {}),
  });
  const trainSpeakers = fold.trainIndices.map((i) => {
    const speaker = matrix.meta[i]?.speaker;
    if (!speaker) throw new RangeError(`foldSets: row ${i} has no speaker`);
    return speaker;
  });
  return { train: set(fold.trainIndices), test: set(fold.testIndices), trainSpeakers };
}
