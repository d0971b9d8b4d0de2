/**
 * The training and test sets of a fold, z-normalised with statistics of the training rows only,
 * and the speaker of every training row: model selection and the early-stopping hold-out split
 * the training rows by speaker (compute/select, compute/evaluate/train-on-real-rows.ts).
 */
import type { FeatureMatrix } from '../features/feature-matrix';
import type { LabelledSet } from '../labelled-set';
import { applyZNormalisation, fitZNormalisation } from '../normalise';
import type { FoldDefinition } from './fold-definition';

export interface FoldSets {
  train: LabelledSet;
  test: LabelledSet;
  /** Speaker of each training row (trainSpeakers[i] is the speaker of train row i). */
  trainSpeakers: string[];
}

/** `classes` fixes the label order (and so the class indices) for every fold of an experiment. */
export function foldSets(matrix: FeatureMatrix, fold: FoldDefinition, classes: readonly string[]): FoldSets {
  const z = fitZNormalisation(matrix.data, matrix.cols, fold.trainIndices);
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
    x: applyZNormalisation(z, matrix.data, matrix.cols, indices),
    y: labelsOf(indices),
    classes: [...classes],
  });
  const trainSpeakers = fold.trainIndices.map((i) => {
    const speaker = matrix.meta[i]?.speaker;
    if (!speaker) throw new RangeError(`foldSets: row ${i} has no speaker`);
    return speaker;
  });
  return { train: set(fold.trainIndices), test: set(fold.testIndices), trainSpeakers };
}
