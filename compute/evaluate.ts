/**
 * Evaluates one fold: augments the training part, fits the classifier, predicts the test part,
 * returns small metrics JSON. Pure compute: no I/O, no clock, no logger. The sets must already
 * be normalised (on the training part's statistics). Every random draw derives from `seed`.
 */
import type { z } from 'zod';
import { applyAugmentation } from './augment/apply-augmentation';
import { augmentationSpecSchema } from './augment/augmentation-spec';
import type { AugmentationSpec, AugmentationSpecInput } from './augment/augmentation-spec';
import type { AugmentationReport } from './augment/augmented-set';
import type { ClassConditionalGenerator } from './augment/class-conditional-generator';
import { classifierSpecSchema } from './classify/classifier-spec';
import type { ClassifierSpec, ClassifierSpecInput } from './classify/classifier-spec';
import { createClassifier } from './classify/create-classifier';
import { InputError } from '../foundation/errors';
import { describeZodError } from '../foundation/zod-issues';
import type { LabelledSet } from './labelled-set';
import { confusionMatrix, metricsFromConfusion } from './metrics';
import type { ConfusionMatrix, MetricsSummary } from './metrics';
import { deriveSeed } from './random';

export interface FoldEvaluationInput {
  train: LabelledSet;
  test: LabelledSet;
  augmentation: AugmentationSpecInput;
  classifier: ClassifierSpecInput;
  seed: number;
  /** The fold's trained class GANs: required by a 'cyclegan' augmentation, unused by the others. */
  generator?: ClassConditionalGenerator;
}

export interface FoldEvaluation {
  classes: string[];
  metrics: MetricsSummary;
  confusion: ConfusionMatrix;
  augmentation: AugmentationReport;
  /** The specs with defaults filled in, as used. */
  augmentationSpec: AugmentationSpec;
  classifierSpec: ClassifierSpec;
  seed: number;
  /**
   * Rows of the training part before augmentation; for a cycle-GAN augmentation, the rows after
   * it. The inconsistency is historical (cycle-GAN rows used to be appended before this function
   * saw the set) and kept so that results and memo entries recorded so far stay comparable.
   */
  trainRows: number;
  testRows: number;
}

export async function evaluateFold(input: FoldEvaluationInput): Promise<FoldEvaluation> {
  const augmentationSpec = parseSpec(augmentationSpecSchema, input.augmentation, 'augmentation');
  const classifierSpec = parseSpec(classifierSpecSchema, input.classifier, 'classifier');
  const { train, test, seed } = input;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new InputError({ field: 'seed', reason: `is ${seed}, not an unsigned 32-bit integer`, fix: 'derive seeds with deriveSeed()' });
  }
  checkSet(train, 'train');
  checkSet(test, 'test');
  checkCompatible(train, test);

  const augmented = applyAugmentation(train, augmentationSpec, seed, { generator: input.generator });
  const model = await createClassifier(classifierSpec).fit(augmented.set, deriveSeed(seed, 'classifier'));
  let predicted: Int32Array;
  try {
    predicted = model.predict(test.x, test.rows);
  } finally {
    model.dispose();
  }
  const confusion = confusionMatrix(test.y, predicted, train.classes.length);
  return {
    classes: [...train.classes],
    metrics: metricsFromConfusion(confusion),
    confusion,
    augmentation: augmented.report,
    augmentationSpec,
    classifierSpec,
    seed,
    trainRows: augmentationSpec.method === 'cyclegan' ? augmented.set.rows : train.rows,
    testRows: test.rows,
  };
}

function parseSpec<T extends z.ZodType>(schema: T, value: unknown, field: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InputError({ field, reason: `invalid spec: ${describeZodError(parsed.error, { prefix: [field] })}`, fix: 'correct the fields named above' });
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
