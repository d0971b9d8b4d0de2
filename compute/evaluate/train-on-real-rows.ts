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
import type { TrainedModel } from '../classify/classifier';
import type { ClassifierSpec, EarlyStoppingSpec } from '../classify/classifier-spec';
import { fitEach } from '../classify/fit-candidates';
import { speakerHoldout } from '../folds/speaker-holdout';
import { InputError } from '../../foundation/errors';
import { selectRows, type LabelledSet } from '../labelled-set';
import { deriveSeed } from '../random';

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

export interface FitRowsInput {
  rows: number;
  speakers?: readonly string[];
  seed: number;
  earlyStopping?: EarlyStoppingSpec;
}

/**
 * Step 1 alone: which real rows stay to be augmented and fitted, and which are held out for early
 * stopping (none without). Also what the plan of a fold's trained augmenters asks
 * (compute/evaluate/fit-sets-of-evaluation.ts), so the two cannot drift apart.
 */
export function fitRowsOf(input: FitRowsInput): { fitRows: number[]; validationRows: number[]; validationSpeakers: string[] } {
  const { earlyStopping, speakers } = input;
  if (!earlyStopping) return { fitRows: Array.from({ length: input.rows }, (_, i) => i), validationRows: [], validationSpeakers: [] };
  if (!speakers || speakers.length !== input.rows) {
    throw new InputError({
      field: 'trainSpeakers',
      reason: 'the classifier early-stops on whole held-out speakers, and the speaker of each training row was not given',
      fix: 'pass the speakers of the training rows (compute/folds/fold-sets.ts gives them as trainSpeakers)',
      expected: input.rows,
      actual: speakers?.length ?? 'none',
    });
  }
  const holdout = speakerHoldout(speakers, earlyStopping.validationFraction, deriveSeed(input.seed, 'early-stopping'));
  return { fitRows: holdout.fitRows, validationRows: holdout.validationRows, validationSpeakers: holdout.validationSpeakers };
}

/**
 * Step 3 for each spec in turn (one model alive at a time; linear SVMs share one Gram matrix):
 * `use` gets each model and returns what the caller keeps (predictions, a score).
 */
export function fitPrepared<T>(prepared: PreparedTraining, specs: readonly ClassifierSpec[], seed: number, use: (model: TrainedModel, index: number) => T | Promise<T>): Promise<T[]> {
  return fitEach(prepared.fit, specs, deriveSeed(seed, 'classifier'), prepared.validation ? { validation: prepared.validation } : {}, use);
}
