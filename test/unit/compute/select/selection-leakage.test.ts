/**
 * Leakage tests of model selection (compute/select): the outer test fold cannot influence what
 * is selected, and the inner validation rows are exactly the real rows of the validation
 * speakers (the guard in compute/select/validation-guard.ts throws otherwise).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyAugmentation } from '../../../../compute/augment/apply-augmentation';
import { appendRows } from '../../../../compute/augment/augmented-set';
import type { ClassifierSpecInput } from '../../../../compute/classify/classifier-spec';
import { evaluateFold } from '../../../../compute/evaluate';
import type { AugmentationSpecInput } from '../../../../compute/augment/augmentation-spec';
import type { LabelledSet } from '../../../../compute/labelled-set';
import { Rng } from '../../../../compute/random';
import { innerSplits } from '../../../../compute/select/inner-splits';
import { fitInnerStandardisation, standardisedRows } from '../../../../compute/select/inner-standardisation';
import { assertRealValidationRows, ValidationLeakError } from '../../../../compute/select/validation-guard';
import { classMeanFoldModels } from '../../../support/fold-models';
import { gaussianClasses } from '../../../support/synthetic-classes';

/** Overlapping classes (C matters), six speakers who each speak every class. */
const train = gaussianClasses({ perClass: [36, 24, 30], cols: 12, separation: 1.2, seed: 8 });
const trainSpeakers = Array.from({ length: train.rows }, (_, i) => `s${i % 6}`);
const test = gaussianClasses({ perClass: [10, 8, 9], cols: 12, separation: 1.2, seed: 9 });

/** The test fold with its labels permuted, and its feature rows permuted independently of them. */
function scrambled(set: LabelledSet, seed: number): LabelledSet {
  const rng = new Rng(seed);
  const labelOrder = rng.shuffle(Array.from({ length: set.rows }, (_, i) => i));
  const rowOrder = rng.shuffle(Array.from({ length: set.rows }, (_, i) => i));
  const x = new Float32Array(set.x.length);
  rowOrder.forEach((r, i) => x.set(set.x.subarray(r * set.cols, (r + 1) * set.cols), i * set.cols));
  return { ...set, x, y: Int32Array.from(labelOrder, (r) => set.y[r] as number) };
}

describe('model selection does not see the outer test fold', () => {
  const cases: { name: string; augmentation: AugmentationSpecInput; classifier: ClassifierSpecInput }[] = [
    { name: 'SVM C, SMOTE', augmentation: { method: 'smote' }, classifier: { kind: 'svm', C: { select: [1e-3, 1e-2, 1e-1, 1] } } },
    { name: 'SVM C, cycle-GAN', augmentation: { method: 'cyclegan', loss: 'wdiv', amount: { mode: 'ratio', ratio: 0.5 } }, classifier: { kind: 'svm', C: { select: [1e-2, 1] } } },
    {
      name: 'DNN l2 and epochs, noise, early stopping',
      augmentation: { method: 'noise', amount: { mode: 'perClass', n: 4 } },
      classifier: { kind: 'dnn', hidden: [8], epochs: { select: [3, 6] }, l2: { select: [1e-4, 1e-1] }, batchSize: 16, earlyStopping: { validationFraction: 0.2, patience: 2 } },
    },
  ];
  for (const c of cases) {
    it(`permuting the test fold's labels and features changes no selected value and no validation score (${c.name})`, async () => {
      const input = { train, trainSpeakers, augmentation: c.augmentation, classifier: c.classifier, seed: 11, foldModels: classMeanFoldModels(train, trainSpeakers) };
      const original = await evaluateFold({ ...input, test });
      const permuted = await evaluateFold({ ...input, test: scrambled(test, 3) });
      assert.ok(original.selection, 'something was selected');
      assert.deepEqual(permuted.selection, original.selection);
      assert.deepEqual(permuted.classifierSpec, original.classifierSpec);
      assert.equal(permuted.validationRows, original.validationRows);
      assert.notDeepEqual(permuted.confusion, original.confusion, 'the test fold did change: the outer scores moved');
    });
  }
});

describe('the inner validation rows are real rows of the validation speakers', () => {
  const split = innerSplits(train, trainSpeakers, { kind: 'loso' }, { foldsSeed: 1, holdoutSeed: 1 })[2]!;
  const standardisation = fitInnerStandardisation(train, split.trainRows);
  const validation = standardisedRows(standardisation, train, split.validationRows);
  const check = (overrides: Partial<Parameters<typeof assertRealValidationRows>[0]>): void =>
    assertRealValidationRows({ split, real: train, speakers: trainSpeakers, standardisation, validation, ...overrides });

  it('the rows the selection scores pass the guard', () => {
    assert.deepEqual(split.validationSpeakers, ['s2']);
    assert.doesNotThrow(() => check({}));
  });

  it('a synthetic row added to the validation split fails', () => {
    const withSmote = applyAugmentation(validation, { method: 'smote', amount: { mode: 'perClass', n: 1 }, k: 5 }, 3).set;
    assert.equal(withSmote.rows, validation.rows + 3);
    assert.throws(() => check({ validation: withSmote }), ValidationLeakError);
    const withCopy = applyAugmentation(validation, { method: 'duplicate', amount: { mode: 'perClass', n: 1 } }, 3).set;
    assert.throws(() => check({ validation: withCopy }), /the scored set has/);
  });

  it('a real row replaced by a synthetic one fails, as does a relabelled row', () => {
    const replaced = { ...validation, x: Float32Array.from(validation.x) };
    replaced.x[5] = (replaced.x[5] as number) + 0.25;
    assert.throws(() => check({ validation: replaced }), /is not real row/);
    const relabelled = { ...validation, y: Int32Array.from(validation.y, (y, i) => (i === 0 ? (y + 1) % 3 : y)) };
    assert.throws(() => check({ validation: relabelled }), /has label/);
  });

  it("a row of an inner training speaker, a missing row or an inner training row's copy fails", () => {
    const foreign = split.trainRows[0] as number;
    const withForeign = { ...split, validationRows: [...split.validationRows, foreign], trainRows: split.trainRows.slice(1) };
    assert.throws(() => check({ split: withForeign, validation: standardisedRows(standardisation, train, withForeign.validationRows) }), /not one of the validation speakers/);
    const missing = { ...split, validationRows: split.validationRows.slice(1) };
    assert.throws(() => check({ split: missing, validation: standardisedRows(standardisation, train, missing.validationRows) }), /rows are validated, and the validation speakers have/);
    const innerRow = standardisedRows(standardisation, train, [foreign]);
    const withInnerCopy = appendRows(validation, [innerRow.y[0] as number], (row) => row.set(innerRow.x));
    assert.throws(() => check({ validation: withInnerCopy }), ValidationLeakError);
  });
});
