/**
 * Evaluates one fold: selects the classifier's hyperparameters on the training speakers when the
 * spec gives sets to select from (compute/select), trains on the real training rows as the cell
 * says (compute/evaluate/train-on-real-rows.ts: early-stopping rows of whole speakers first,
 * then the augmentation of the rest), predicts the test part, returns small metrics JSON. A
 * trained augmenter is taken from `foldModels` for each set of rows it augments, through the
 * guard of compute/fold-models/fit-set-guard.ts. Pure
 * compute: no I/O, no clock, no logger. The sets must already be normalised (on the training
 * part's statistics). Every random draw derives from `seed`.
 */
import type { z } from 'zod';
import { augmentationSpecSchema } from './augment/augmentation-spec';
import type { AugmentationSpec, AugmentationSpecInput } from './augment/augmentation-spec';
import type { ClassConditionalGenerator } from './augment/class-conditional-generator';
import type { AugmentationReport } from './augment/augmented-set';
import { classifierSearchSpecSchema, earlyStoppingOf, selectedFields } from './classify/classifier-spec';
import type { ClassifierSpec, ClassifierSpecInput } from './classify/classifier-spec';
import { fitPrepared, prepareTrainingRows, type FitProgress } from './evaluate/train-on-real-rows';
import { augmenterForRows } from './fold-models/fit-set-guard';
import type { FoldModels } from './fold-models/trained-augmenter';
import { needsTrainedAugmenter } from './augment/augmentation-spec';
import { InputError } from '../foundation/errors';
import { describeZodError } from '../foundation/zod-issues';
import type { LabelledSet } from './labelled-set';
import { confusionMatrix, metricsFromConfusion } from './metrics';
import type { ConfusionMatrix, MetricsSummary } from './metrics';
import { deriveSeed } from './random';
import { candidateGrid, type Candidate } from './select/candidate-grid';
import { selectHyperparameters } from './select/select-hyperparameters';
import { selectionProtocolSchema } from './select/selection-protocol';
import type { SelectionProtocolInput } from './select/selection-protocol';

export interface FoldEvaluationInput {
  train: LabelledSet;
  test: LabelledSet;
  /**
   * Speaker of each training row. Required when the classifier early-stops (its validation rows
   * are whole speakers) or a hyperparameter is selected (inner splits are by speaker).
   */
  trainSpeakers?: readonly string[];
  augmentation: AugmentationSpecInput;
  /** The classifier; numeric hyperparameters may be `{ select: [...] }`. */
  classifier: ClassifierSpecInput;
  seed: number;
  /**
   * The fold's trained augmenters for this repeat and method, one per fit set (the refit's rows,
   * each inner split's): required by a 'cyclegan' augmentation, unused by the others.
   */
  foldModels?: FoldModels;
  /** How selected hyperparameters are chosen; default inner leave-one-speaker-out, UAR. */
  selection?: SelectionProtocolInput;
  /** Seed of seeded inner splits (grouped k-fold); default deriveSeed(seed, 'selection-folds'). */
  selectionSeed?: number;
  /**
   * Checkpoints and epoch figures of the refit, the one long fit of an evaluation (a classifier
   * that trains in epochs uses them; the others ignore them). Inner-split fits run without.
   */
  refitProgress?: FitProgress;
  /**
   * Run the inner CV even when the classifier selects nothing: a selection over its single
   * candidate, whose mean inner score is the validation score (what an optuna sweep optimises).
   */
  validate?: boolean;
}

/** What a selection chose, and why: every candidate's mean inner validation score. */
export interface FoldSelection {
  metric: 'uar';
  chosen: Record<string, number>;
  validationScore: number;
  candidates: { values: Record<string, number>; score: number }[];
}

export interface FoldEvaluation {
  classes: string[];
  metrics: MetricsSummary;
  confusion: ConfusionMatrix;
  augmentation: AugmentationReport;
  /** The specs with defaults filled in, as used: the classifier with the chosen values. */
  augmentationSpec: AugmentationSpec;
  classifierSpec: ClassifierSpec;
  seed: number;
  /** Real training rows of the fold (before augmentation, early-stopping rows included), for every method alike. */
  trainRows: number;
  /** Synthetic rows added to the rows the classifier fitted. */
  addedRows: number;
  /** Real training rows held out for early stopping (0 when the classifier does not early-stop). */
  validationRows: number;
  testRows: number;
  /** Present when a hyperparameter was selected (the spec had a `select` set) or `validate` was asked. */
  selection?: FoldSelection;
}

export async function evaluateFold(input: FoldEvaluationInput): Promise<FoldEvaluation> {
  const augmentationSpec = parseSpec(augmentationSpecSchema, input.augmentation, 'augmentation');
  const searchSpec = parseSpec(classifierSearchSpecSchema, input.classifier, 'classifier');
  const protocol = parseSpec(selectionProtocolSchema, input.selection ?? {}, 'selection');
  const { train, test, seed } = input;
  checkSeed(seed, 'seed');
  checkSet(train, 'train');
  checkSet(test, 'test');
  checkCompatible(train, test);
  if (input.trainSpeakers) checkSpeakers(input.trainSpeakers, train);
  const trained = trainedAugmenters(input, augmentationSpec);

  const candidates = candidateGrid(searchSpec);
  let chosen = candidates[0] as Candidate;
  let selection: FoldSelection | undefined;
  if (selectedFields(searchSpec).length > 0 || input.validate === true) {
    if (!input.trainSpeakers) {
      throw new InputError({
        field: 'trainSpeakers',
        reason: `the classifier ${selectedFields(searchSpec).length > 0 ? `selects ${selectedFields(searchSpec).join(', ')}` : 'is validated'} on inner splits by speaker, and the speaker of each training row was not given`,
        fix: 'pass the speakers of the training rows (compute/folds/fold-sets.ts gives them as trainSpeakers)',
      });
    }
    const foldsSeed = input.selectionSeed ?? deriveSeed(seed, 'selection-folds');
    checkSeed(foldsSeed, 'selectionSeed');
    const result = await selectHyperparameters({
      real: train, speakers: input.trainSpeakers, candidates, augmentation: augmentationSpec, seed, protocol, foldsSeed,
      ...(trained ? { augmenterFor: (split: { name: string }, rows: readonly number[]) => trained(rows, `inner split ${split.name}`) } : {}),
    });
    chosen = candidates[result.chosenIndex] as Candidate;
    selection = { metric: result.metric, chosen: result.chosen, validationScore: result.validationScore, candidates: result.candidates };
  }

  // The refit: the chosen values on the whole outer training fold, augmented as the cell says.
  const prepared = prepareTrainingRows({
    real: train, speakers: input.trainSpeakers, augmentation: augmentationSpec, seed,
    earlyStopping: earlyStoppingOf(chosen.spec),
    ...(trained ? { augmenterFor: (rows: readonly number[]) => trained(rows, 'the refit') } : {}),
  });
  const [predicted] = await fitPrepared(prepared, [chosen.spec], seed, (model) => model.predict(test.x, test.rows, test.sequence?.lengths), input.refitProgress);
  const confusion = confusionMatrix(test.y, predicted as Int32Array, train.classes.length);
  return {
    classes: [...train.classes],
    metrics: metricsFromConfusion(confusion),
    confusion,
    augmentation: prepared.augmentation,
    augmentationSpec,
    classifierSpec: chosen.spec,
    seed,
    trainRows: train.rows,
    addedRows: prepared.augmentation.rowsAfter - prepared.augmentation.rowsBefore,
    validationRows: prepared.validationRows,
    testRows: test.rows,
    ...(selection ? { selection } : {}),
  };
}

/**
 * For a method that augments with a trained model: the model fitted on exactly the given rows of
 * the outer training part, checked at the seam. Undefined for the other methods.
 */
function trainedAugmenters(input: FoldEvaluationInput, augmentation: AugmentationSpec): ((rows: readonly number[], where: string) => ClassConditionalGenerator) | undefined {
  if (!needsTrainedAugmenter(augmentation)) return undefined;
  const { foldModels: models, trainSpeakers: speakers, train: real } = input;
  if (!models) {
    throw new InputError({
      field: 'foldModels',
      reason: `a ${augmentation.method} augmentation needs the fold's trained models (one per set of rows it augments), and none were given`,
      fix: "train the fold's models first (the fold's plan lists them) and pass them, or choose another method",
    });
  }
  if (!speakers) {
    throw new InputError({
      field: 'trainSpeakers',
      reason: `a ${augmentation.method} augmentation takes the model fitted on the speakers it augments, and the speaker of each training row was not given`,
      fix: 'pass the speakers of the training rows (compute/folds/fold-sets.ts gives them as trainSpeakers)',
    });
  }
  return (rows, where) => augmenterForRows({ models, real, speakers, rows, where });
}

function parseSpec<T extends z.ZodType>(schema: T, value: unknown, field: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InputError({ field, reason: `invalid spec: ${describeZodError(parsed.error, { prefix: [field] })}`, fix: 'correct the fields named above' });
}

function checkSeed(seed: number, field: string): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new InputError({ field, reason: `is ${seed}, not an unsigned 32-bit integer`, fix: 'derive seeds with deriveSeed()' });
  }
}

function checkSpeakers(speakers: readonly string[], train: LabelledSet): void {
  if (speakers.length !== train.rows) {
    throw new InputError({ field: 'trainSpeakers', reason: 'there must be one speaker per training row', expected: train.rows, actual: speakers.length });
  }
  const bad = speakers.findIndex((s) => typeof s !== 'string' || s === '');
  if (bad >= 0) throw new InputError({ field: `trainSpeakers[${bad}]`, reason: 'training row has no speaker', fix: 'give every corpus entry a speaker id' });
}

function checkSet(set: LabelledSet, field: 'train' | 'test'): void {
  if (set.rows <= 0) {
    throw new InputError({ field, reason: `the ${field} set is empty`, fix: 'check the fold split: every fold needs training and test rows' });
  }
  if (set.cols <= 0 || set.x.length !== set.rows * set.cols || set.y.length !== set.rows) {
    throw new InputError({
      field,
      reason: 'shape does not match its data',
      expected: { values: set.rows * set.cols, labels: set.rows },
      actual: { values: set.x.length, labels: set.y.length },
    });
  }
  for (let i = 0; i < set.x.length; i++) {
    if (!Number.isFinite(set.x[i] as number)) {
      const row = Math.floor(i / set.cols);
      throw new InputError({
        field: `${field}.x[${row}][${i % set.cols}]`,
        reason: `feature value is ${set.x[i]} (row ${row}, column ${i % set.cols})`,
        fix: 'check the feature extraction and the normalisation (a constant column divided by a zero standard deviation gives NaN)',
      });
    }
  }
  const k = set.classes.length;
  for (let i = 0; i < set.rows; i++) {
    const label = set.y[i] as number;
    if (label < 0 || label >= k) {
      throw new InputError({ field: `${field}.y[${i}]`, reason: `label index ${label} is outside the ${k} classes`, expected: `0..${k - 1}`, actual: label });
    }
  }
}

function checkCompatible(train: LabelledSet, test: LabelledSet): void {
  if (train.cols !== test.cols) {
    throw new InputError({ field: 'test.cols', reason: 'train and test have different feature dimensions', expected: train.cols, actual: test.cols });
  }
  if (train.classes.length !== test.classes.length || train.classes.some((c, i) => c !== test.classes[i])) {
    throw new InputError({ field: 'test.classes', reason: 'train and test name different classes (or a different order)', expected: train.classes, actual: test.classes });
  }
  const seen = new Set(train.y);
  const unseen = [...new Set(test.y)].filter((c) => !seen.has(c)).map((c) => test.classes[c]);
  if (unseen.length > 0) {
    throw new InputError({
      field: 'test.y',
      reason: `the test set has class(es) ${unseen.map((c) => `'${c}'`).join(', ')} that the training set never shows`,
      fix: 'drop the class or choose folds where every test class has training samples',
    });
  }
}
