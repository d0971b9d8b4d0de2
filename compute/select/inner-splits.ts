/**
 * The inner splits of a model selection: an outer fold's training rows split by speaker, with
 * the fold builders of compute/folds (leave-one-speaker-out, or speaker-grouped k-fold). Indices
 * are row indices of the outer training set; the outer test rows are not among them, so no inner
 * split ever sees a test speaker.
 */
import type { FoldRow } from '../folds/fold-definition';
import { buildFolds } from '../folds/build-folds';
import type { LabelledSet } from '../labelled-set';
import type { SelectionProtocol } from './selection-protocol';

export interface InnerSplit {
  /** The fold builder's name, e.g. "speaker-03" or "fold-2-of-5". */
  name: string;
  /** Outer-training row indices the candidates fit on. */
  trainRows: number[];
  /** Outer-training row indices they are scored on: every real row of `validationSpeakers`. */
  validationRows: number[];
  validationSpeakers: string[];
}

/** `speakers[i]` is the speaker of `train` row i; `seed` draws grouped k-fold's groups. */
export function innerSplits(train: LabelledSet, speakers: readonly string[], folds: SelectionProtocol['folds'], seed: number): InnerSplit[] {
  const rows: FoldRow[] = speakers.map((speaker, i) => ({ speaker, label: train.classes[train.y[i] as number] ?? '' }));
  return buildFolds(rows, folds, { seed }).map((f) => ({ name: f.name, trainRows: f.trainIndices, validationRows: f.testIndices, validationSpeakers: f.testSpeakers }));
}
