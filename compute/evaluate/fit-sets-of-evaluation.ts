/**
 * The plan of an evaluation's trained augmenters: every fit set (compute/fold-models/fit-sets.ts)
 * its cycle-GAN augmentation will ask for, so that a fold can train those models before the
 * evaluation runs. It walks the same steps evaluateFold walks, with the same functions: the
 * inner splits of the selection (select/inner-splits.ts selectionSplits) and, in each of them
 * and in the refit, the rows left after the early-stopping hold-out (fit-rows.ts fitRowsOf). test/unit/compute/fold-models/fold-model-leakage.test.ts checks that evaluateFold
 * asks for exactly these sets and for nothing else.
 */
import { needsTrainedAugmenter } from '../augment/augmentation-spec';
import type { AugmentationSpecInput } from '../augment/augmentation-spec';
import { candidateGrid, type Candidate } from '../select/candidate-grid';
import { classifierSearchSpecSchema, earlyStoppingOf, selectedFields } from '../classify/classifier-spec';
import type { ClassifierSpecInput } from '../classify/classifier-spec';
import { sameSpeakers, speakerSet } from '../fold-models/fit-sets';
import type { LabelledSet } from '../labelled-set';
import { deriveSeed } from '../random';
import { selectionSplits } from '../select/inner-splits';
import { selectionProtocolSchema, type SelectionProtocolInput } from '../select/selection-protocol';
import { fitRowsOf } from './fit-rows';

export interface EvaluationFitSetsInput {
  train: LabelledSet;
  trainSpeakers: readonly string[];
  augmentation: AugmentationSpecInput;
  classifier: ClassifierSpecInput;
  seed: number;
  selection?: SelectionProtocolInput;
  selectionSeed?: number;
  validate?: boolean;
}

/** One fit set an evaluation asks for, and which use asks. */
export interface PlannedFitSet {
  speakers: string[];
  /** "refit", or "inner split <name>". */
  use: string;
}

/**
 * The fit sets of the evaluation evaluateFold would run on the same input, the refit's first,
 * then each inner split's in the order scored; a set asked for twice is listed once (first use).
 * Empty for a method that trains nothing.
 */
export function fitSetsOfEvaluation(input: EvaluationFitSetsInput): PlannedFitSet[] {
  if (!needsTrainedAugmenter(input.augmentation)) return [];
  const { train, trainSpeakers: speakers, seed } = input;
  const searchSpec = classifierSearchSpecSchema.parse(input.classifier);
  // Not a selectable field: the same for every candidate, and for the refit.
  const earlyStopping = earlyStoppingOf((candidateGrid(searchSpec)[0] as Candidate).spec);
  const planned: PlannedFitSet[] = [];
  const add = (rows: readonly number[], use: string): void => {
    const set = speakerSet(speakers, rows);
    if (!planned.some((p) => sameSpeakers(p.speakers, set))) planned.push({ speakers: set, use });
  };
  const refit = fitRowsOf({ rows: train.rows, speakers, seed, ...(earlyStopping ? { earlyStopping } : {}) });
  add(refit.fitRows, 'refit');
  if (selectedFields(searchSpec).length > 0 || input.validate === true) {
    const protocol = selectionProtocolSchema.parse(input.selection ?? {});
    const foldsSeed = input.selectionSeed ?? deriveSeed(seed, 'selection-folds');
    for (const split of selectionSplits({ real: train, speakers, seed, protocol, foldsSeed })) {
      const inner = fitRowsOf({ rows: split.trainRows.length, speakers: split.trainRows.map((r) => speakers[r] as string), seed: split.seed, ...(earlyStopping ? { earlyStopping } : {}) });
      add(inner.fitRows.map((i) => split.trainRows[i] as number), `inner split ${split.name}`);
    }
  }
  return planned;
}
