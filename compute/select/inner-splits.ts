/**
 * The inner splits of a model selection: an outer fold's training rows split by speaker, with
 * the fold builders of compute/folds (leave-one-speaker-out, or speaker-grouped k-fold), or one
 * whole-speaker hold-out drawn as early stopping draws its speakers (compute/folds/speaker-holdout.ts).
 * Indices are row indices of the outer training set; the outer test rows are not among them, so
 * no inner split ever sees a test speaker.
 */
import type { FoldRow } from '../folds/fold-definition';
import { buildFolds } from '../folds/build-folds';
import { speakerHoldout } from '../folds/speaker-holdout';
import type { LabelledSet } from '../labelled-set';
import { deriveSeed } from '../random';
import type { SelectionFolds, SelectionProtocol } from './selection-protocol';

export interface InnerSplit {
  /** The fold builder's name, e.g. "speaker-03", "fold-2-of-5" or "holdout-03+10". */
  name: string;
  /** Outer-training row indices the candidates fit on. */
  trainRows: number[];
  /** Outer-training row indices they are scored on: every real row of `validationSpeakers`. */
  validationRows: number[];
  validationSpeakers: string[];
}

export interface InnerSplitSeeds {
  /** Seed of grouped k-fold's groups (the same for every repeat of a fold). */
  foldsSeed: number;
  /** Seed of a speaker hold-out: the evaluation's early-stopping seed, deriveSeed(seed, 'early-stopping'). */
  holdoutSeed: number;
}

/** `speakers[i]` is the speaker of `train` row i. */
export function innerSplits(train: LabelledSet, speakers: readonly string[], folds: SelectionFolds, seeds: InnerSplitSeeds): InnerSplit[] {
  if (folds.kind === 'speaker-holdout') {
    const held = speakerHoldout(speakers, folds.fraction, seeds.holdoutSeed);
    return [{ name: `holdout-${held.validationSpeakers.join('+')}`, trainRows: held.fitRows, validationRows: held.validationRows, validationSpeakers: held.validationSpeakers }];
  }
  const rows: FoldRow[] = speakers.map((speaker, i) => ({ speaker, label: train.classes[train.y[i] as number] ?? '' }));
  return buildFolds(rows, folds, { seed: seeds.foldsSeed }).map((f) => ({ name: f.name, trainRows: f.trainIndices, validationRows: f.testIndices, validationSpeakers: f.testSpeakers }));
}

/** The inner splits of a selection and each one's seed, in the order scored; also what the fold-model plan walks. */
export function selectionSplits(input: { real: LabelledSet; speakers: readonly string[]; seed: number; protocol: SelectionProtocol; foldsSeed: number }): (InnerSplit & { seed: number })[] {
  const splits = innerSplits(input.real, input.speakers, input.protocol.folds, { foldsSeed: input.foldsSeed, holdoutSeed: deriveSeed(input.seed, 'early-stopping') });
  return splits.map((split) => ({ ...split, seed: deriveSeed(input.seed, 'selection', split.name) }));
}
