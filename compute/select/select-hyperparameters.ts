/**
 * Model selection inside one outer fold, on its real training rows only, grouped by speaker:
 * scikit-learn's GridSearchCV(Pipeline(StandardScaler(), clf), cv=<speaker-grouped splits>,
 * scoring='balanced_accuracy'), with the cell's augmentation inside each inner training split.
 *
 * For every inner split (compute/select/inner-splits.ts) and every candidate:
 * 1. re-standardise on the inner training rows (inner-standardisation.ts);
 * 2. train on the inner training rows as an evaluation trains on the outer ones
 *    (compute/evaluate/train-on-real-rows.ts: early-stopping rows of whole speakers first, then
 *    the augmentation of the rest), never augmenting the inner validation rows;
 * 3. score UAR on the inner validation rows, checked to be real rows of the validation speakers
 *    (validation-guard.ts) right before.
 * A candidate's score is the unweighted mean over the inner splits (GridSearchCV's
 * mean_test_score); the best is the highest, ties to the first in grid order (candidate-grid.ts;
 * GridSearchCV's rule). The caller refits the chosen candidate on the whole outer training fold.
 *
 * Cost: the preparation of an inner split (standardisation, hold-out, augmentation) is shared by
 * every candidate; linear SVM candidates also share the split's Gram matrix (one per inner split:
 * the re-standardisation differs between splits, so no Gram is shared across them).
 *
 * Trained augmenters (cycle-GAN): each inner split augments with the model fitted on exactly the
 * rows it augments (its training speakers, less its early-stopping hold-out), asked for through
 * `augmenterFor` and checked at the seam (compute/fold-models/fit-set-guard.ts); its rows are put
 * through the inner standardisation like the real rows. No inner validation or stopping speaker
 * has reached it. Such models are trained per inner split (compute/evaluate/fit-sets-of-evaluation.ts
 * lists them): the `speaker-holdout` inner kind keeps that to one extra fit set.
 *
 * Determinism: inner split s draws its augmentation, hold-out and classifier seeds from
 * deriveSeed(seed, 'selection', s's name), the same for every candidate (common random numbers);
 * grouped k-fold splits from `foldsSeed`.
 */
import type { AugmentationSpec } from '../augment/augmentation-spec';
import type { ClassConditionalGenerator } from '../augment/class-conditional-generator';
import { earlyStoppingOf } from '../classify/classifier-spec';
import { fitPrepared, prepareTrainingRows } from '../evaluate/train-on-real-rows';
import type { LabelledSet } from '../labelled-set';
import { confusionMatrix, metricsFromConfusion } from '../metrics';
import type { Candidate } from './candidate-grid';
import { selectionSplits, type InnerSplit } from './inner-splits';
import { fitInnerStandardisation, standardisedGenerator, standardisedRows } from './inner-standardisation';
import type { SelectionProtocol } from './selection-protocol';
import { assertRealValidationRows } from './validation-guard';

export interface SelectionInput {
  /** The outer fold's real training rows (z-normalised on themselves) and each row's speaker. */
  real: LabelledSet;
  speakers: readonly string[];
  candidates: readonly Candidate[];
  augmentation: AugmentationSpec;
  /**
   * The trained augmenter of an inner split, for a method that needs one (cycle-GAN): given the
   * split and the indices (into `real`) of the rows it augments, the model fitted on exactly
   * those rows, generating in the outer fold's space.
   */
  augmenterFor?: (split: InnerSplit, rows: readonly number[]) => ClassConditionalGenerator;
  /** The evaluation's seed. */
  seed: number;
  protocol: SelectionProtocol;
  /** Seed of seeded inner splits (grouped k-fold). */
  foldsSeed: number;
}

export interface SelectionResult {
  metric: SelectionProtocol['metric'];
  /** Index of the chosen candidate in `candidates`. */
  chosenIndex: number;
  chosen: Record<string, number>;
  /** The chosen candidate's mean inner validation score. */
  validationScore: number;
  /** Every candidate's mean inner validation score, in grid order. */
  candidates: { values: Record<string, number>; score: number }[];
  /** Names of the inner splits, in the order scored. */
  splits: string[];
}

export async function selectHyperparameters(input: SelectionInput): Promise<SelectionResult> {
  const { real, speakers, candidates, augmentation, augmenterFor, protocol } = input;
  if (candidates.length === 0) throw new RangeError('selectHyperparameters: no candidates');
  if (speakers.length !== real.rows) throw new RangeError(`selectHyperparameters: ${speakers.length} speakers for ${real.rows} rows`);
  const specs = candidates.map((c) => c.spec);
  // Not a selectable field: the same for every candidate.
  const earlyStopping = earlyStoppingOf(specs[0] as Candidate['spec']);
  const splits = selectionSplits(input);
  const sums = new Array<number>(candidates.length).fill(0);
  for (const split of splits) {
    const standardisation = fitInnerStandardisation(real, split.trainRows);
    const validation = standardisedRows(standardisation, real, split.validationRows);
    assertRealValidationRows({ split, real, speakers, standardisation, validation });
    const splitSeed = split.seed;
    const prepared = prepareTrainingRows({
      real: standardisedRows(standardisation, real, split.trainRows),
      speakers: split.trainRows.map((r) => speakers[r] as string),
      augmentation,
      // The split's rows are indices into its own training rows; the model is asked for by outer rows.
      ...(augmenterFor ? { augmenterFor: (fitRows: readonly number[]) => standardisedGenerator(augmenterFor(split, fitRows.map((i) => split.trainRows[i] as number)), standardisation) } : {}),
      seed: splitSeed,
      earlyStopping,
    });
    const scores = await fitPrepared(prepared, specs, splitSeed, (model) => uar(validation, model.predict(validation.x, validation.rows, validation.sequence?.lengths)));
    scores.forEach((s, i) => (sums[i] = (sums[i] as number) + s));
  }
  const means = sums.map((s) => s / splits.length);
  let best = 0;
  // Strictly greater: ties go to the first candidate in grid order.
  means.forEach((m, i) => {
    if (m > (means[best] as number)) best = i;
  });
  return {
    metric: protocol.metric,
    chosenIndex: best,
    chosen: { ...(candidates[best] as Candidate).values },
    validationScore: means[best] as number,
    candidates: candidates.map((c, i) => ({ values: { ...c.values }, score: means[i] as number })),
    splits: splits.map((s) => s.name),
  };
}

function uar(set: LabelledSet, predicted: Int32Array): number {
  return metricsFromConfusion(confusionMatrix(set.y, predicted, set.classes.length)).uar;
}
