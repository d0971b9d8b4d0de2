/**
 * "Train a model on real training rows", written once for the outer fit of an evaluation and for
 * every inner split of a model selection (compute/select), so that both follow one protocol:
 *
 * 1. when the classifier early-stops, its validation rows are taken first, from the REAL rows,
 *    as whole speakers (compute/folds/speaker-holdout.ts, about `validationFraction` of the
 *    rows, drawn from deriveSeed(seed, 'early-stopping')): synthetic rows and copies of training
 *    rows never decide when training stops, and the stop does not depend on the method;
 * 2. the augmentation is applied to the remaining real rows only (never to validation rows),
 *    drawing from `seed` exactly as it always has (compute/augment/apply-augmentation.ts); a
 *    trained augmenter (cycle-GAN) is asked for with exactly those rows (`augmenterFor`), so the
 *    one it gets was fitted on them alone (compute/fold-models);
 * 3. the classifier fits the augmented remainder with deriveSeed(seed, 'classifier'),
 *    early-stopping on the validation rows.
 *
 * Without early stopping, steps 2-3 on all real rows are exactly what evaluations did before the
 * validation rows moved: same draws, same model.
 */
import { applyAugmentation } from '../augment/apply-augmentation';
import { needsTrainedAugmenter, type AugmentationSpec } from '../augment/augmentation-spec';
import type { AugmentationReport } from '../augment/augmented-set';
import type { ClassConditionalGenerator } from '../augment/class-conditional-generator';
import type { FitOptions, TrainedModel } from '../classify/classifier';
import type { ClassifierSpec, EarlyStoppingSpec } from '../classify/classifier-spec';
import { fitEach } from '../classify/fit-candidates';
import { selectRows, type LabelledSet } from '../labelled-set';
import { deriveSeed } from '../random';
import { fitRowsOf } from './fit-rows';

export interface RealRowsInput {
  /** The real training rows (no synthetic row), normalised as the caller fitted them. */
  real: LabelledSet;
  /** Speaker of each real row; required when `earlyStopping` is given. */
  speakers?: readonly string[];
  augmentation: AugmentationSpec;
  /**
   * The trained augmenter for a method that needs one (cycle-GAN): called once with the indices
   * (into `real`) of the rows that will be augmented, it returns the model fitted on exactly those
   * rows, generating in the same feature space as `real`.
   */
  augmenterFor?: (fitRows: readonly number[]) => ClassConditionalGenerator;
  /** The evaluation's (or inner split's) seed. */
  seed: number;
  /** The classifier's early stopping (classify/classifier-spec.ts earlyStoppingOf); none for a fixed budget. */
  earlyStopping?: EarlyStoppingSpec;
}

export interface PreparedTraining {
  /** The rows the classifier fits: the real rows left after the hold-out, augmented. */
  fit: LabelledSet;
  /** Real rows of whole speakers for early stopping; absent when the classifier does not early-stop. */
  validation?: LabelledSet;
  augmentation: AugmentationReport;
  /** Real rows held out for early stopping (0 without). */
  validationRows: number;
  validationSpeakers: string[];
}

/** Steps 1-2: the hold-out and the augmentation of the remainder. Independent of the classifier's other hyperparameters, so one preparation serves every candidate of a grid. */
export function prepareTrainingRows(input: RealRowsInput): PreparedTraining {
  const { real, augmentation, seed, earlyStopping } = input;
  const split = fitRowsOf({ rows: real.rows, speakers: input.speakers, seed, earlyStopping });
  const fitted = split.validationRows.length === 0 ? real : selectRows(real, split.fitRows);
  const generator = needsTrainedAugmenter(augmentation) && input.augmenterFor ? input.augmenterFor(split.fitRows) : undefined;
  const augmented = applyAugmentation(fitted, augmentation, seed, { generator });
  return {
    fit: augmented.set,
    ...(earlyStopping ? { validation: selectRows(real, split.validationRows) } : {}),
    augmentation: augmented.report,
    validationRows: split.validationRows.length,
    validationSpeakers: split.validationSpeakers,
  };
}

/**
 * Step 3 for each spec in turn (one model alive at a time; linear SVMs share one Gram matrix):
 * `use` gets each model and returns what the caller keeps (predictions, a score).
 */
export function fitPrepared<T>(
  prepared: PreparedTraining, specs: readonly ClassifierSpec[], seed: number, use: (model: TrainedModel, index: number) => T | Promise<T>,
  progress: FitProgress = {},
): Promise<T[]> {
  return fitEach(prepared.fit, specs, deriveSeed(seed, 'classifier'), { ...progress, ...(prepared.validation ? { validation: prepared.validation } : {}) }, use);
}

/** Checkpoints and epoch figures of a fit (FitOptions), for a classifier that trains in epochs. */
export type FitProgress = Pick<FitOptions, 'checkpoint' | 'onEpoch'>;
