import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../../foundation/errors';
import { additionsPerClass } from '../../../compute/augment/amount';
import { applyAugmentation } from '../../../compute/augment/apply-augmentation';
import { appendRows } from '../../../compute/augment/augmented-set';
import { DnnClassifier } from '../../../compute/classify/dnn';
import { speakerHoldout } from '../../../compute/folds/speaker-holdout';
import { confusionMatrix } from '../../../compute/metrics';
import type { ClassifierSpecInput } from '../../../compute/classify/classifier-spec';
import { evaluateFold } from '../../../compute/evaluate';
import type { LabelledSet } from '../../../compute/labelled-set';
import { deriveSeed } from '../../../compute/random';
import { classMeanFoldModels } from '../../support/fold-models';
import { classMeanGenerator, gaussianClasses, splitEvery } from '../../support/synthetic-classes';

const { train, test } = splitEvery(gaussianClasses({ perClass: [30, 12, 20], cols: 8, separation: 3, seed: 4 }), 4);
const svm = { kind: 'svm' } as const;

function copy(set: LabelledSet): LabelledSet {
  return { ...set, x: Float32Array.from(set.x), y: Int32Array.from(set.y), classes: [...set.classes] };
}

async function rejects(input: Parameters<typeof evaluateFold>[0], pattern: RegExp): Promise<void> {
  await assert.rejects(evaluateFold(input), (e: unknown) => e instanceof InputError && pattern.test(e.message));
}

describe('evaluateFold', () => {
  it('returns small metrics JSON with the specs as used', async () => {
    const r = await evaluateFold({ train, test, augmentation: { method: 'smote' }, classifier: svm, seed: 7 });
    assert.equal(r.testRows, test.rows);
    assert.equal(r.confusion.flat().reduce((a, b) => a + b, 0), test.rows);
    assert.ok(r.metrics.uar > 0.8, `UAR ${r.metrics.uar}`);
    assert.deepEqual(r.augmentationSpec, { method: 'smote', amount: { mode: 'balance' }, k: 5 });
    assert.equal(r.classifierSpec.kind, 'svm');
    assert.equal(r.augmentation.rowsAfter, 3 * Math.max(...[0, 1, 2].map((c) => train.y.filter((y) => y === c).length)));
    assert.ok(JSON.stringify(r).length < 5000, 'the result is small');
    const again = await evaluateFold({ train, test, augmentation: { method: 'smote' }, classifier: svm, seed: 7 });
    assert.deepEqual(again, r);
  });

  it('runs the DNN through the same path', async () => {
    const r = await evaluateFold({ train, test, augmentation: { method: 'noise', amount: { mode: 'perClass', n: 5 } }, classifier: { kind: 'dnn', hidden: [16, 16], epochs: 5 }, seed: 3 });
    assert.equal(r.augmentation.rowsAfter, train.rows + 15);
    assert.ok(r.metrics.wa >= 0 && r.metrics.wa <= 1);
  });

  it('reports the real training rows for every method, the added rows beside them', async () => {
    for (const augmentation of [{ method: 'none' }, { method: 'duplicate' }, { method: 'smote', amount: { mode: 'ratio', ratio: 0.5 } }] as const) {
      const r = await evaluateFold({ train, test, augmentation, classifier: svm, seed: 7 });
      assert.equal(r.trainRows, train.rows, augmentation.method);
      assert.equal(r.addedRows, Object.values(r.augmentation.addedPerClass).reduce((a, b) => a + b, 0), augmentation.method);
      assert.equal(r.validationRows, 0, 'the SVM does not early-stop');
    }
  });

  describe('early stopping', () => {
    const speakers = Array.from({ length: train.rows }, (_, i) => `s${i % 5}`);
    const dnn: ClassifierSpecInput = { kind: 'dnn', hidden: [8], epochs: 4, earlyStopping: { validationFraction: 0.2, patience: 2 } };

    it('takes its validation rows from the real rows, whole speakers, before augmentation: the same rows for every method', async () => {
      const holdout = speakerHoldout(speakers, 0.2, deriveSeed(9, 'early-stopping'));
      assert.ok(holdout.validationRows.length > 0);
      for (const augmentation of [{ method: 'none' }, { method: 'duplicate' }, { method: 'smote' }, { method: 'noise', amount: { mode: 'ratio', ratio: 1 } }] as const) {
        const r = await evaluateFold({ train, test, trainSpeakers: speakers, augmentation, classifier: dnn, seed: 9 });
        assert.equal(r.validationRows, holdout.validationRows.length, augmentation.method);
        assert.equal(r.augmentation.rowsBefore, train.rows - holdout.validationRows.length, `${augmentation.method}: only the remainder is augmented`);
        assert.equal(r.trainRows, train.rows);
      }
    });

    it('fits the augmented remainder and early-stops on the held-out real rows', async () => {
      const holdout = speakerHoldout(speakers, 0.2, deriveSeed(9, 'early-stopping'));
      const pick = (rows: number[]): LabelledSet => ({ ...train, rows: rows.length, x: Float32Array.from(rows.flatMap((r) => Array.from(train.x.subarray(r * train.cols, (r + 1) * train.cols)))), y: Int32Array.from(rows, (r) => train.y[r] as number) });
      const remainder = applyAugmentation(pick(holdout.fitRows), { method: 'smote', amount: { mode: 'balance' }, k: 5 }, 9).set;
      const model = await new DnnClassifier({ hidden: [8], epochs: 4, earlyStopping: { validationFraction: 0.2, patience: 2 } }).fit(remainder, deriveSeed(9, 'classifier'), { validation: pick(holdout.validationRows) });
      const expected = confusionMatrix(test.y, model.predict(test.x, test.rows), 3);
      model.dispose();
      const r = await evaluateFold({ train, test, trainSpeakers: speakers, augmentation: { method: 'smote' }, classifier: dnn, seed: 9 });
      assert.deepEqual(r.confusion, expected);
    });

    it('needs the speakers of the training rows', async () => {
      await assert.rejects(evaluateFold({ train, test, augmentation: { method: 'none' }, classifier: dnn, seed: 9 }), (e: unknown) => e instanceof InputError && /^trainSpeakers: .*early-stops/.test(e.message));
    });
  });

  it('refuses NaN features, naming row and column', async () => {
    const bad = copy(test);
    bad.x[2 * bad.cols + 5] = Number.NaN;
    await rejects({ train, test: bad, augmentation: { method: 'none' }, classifier: svm, seed: 1 }, /test\.x\[2\]\[5\].*NaN/);
  });

  it('refuses an empty train or test set', async () => {
    const empty: LabelledSet = { rows: 0, cols: train.cols, x: new Float32Array(0), y: new Int32Array(0), classes: [...train.classes] };
    await rejects({ train: empty, test, augmentation: { method: 'none' }, classifier: svm, seed: 1 }, /train set is empty/);
    await rejects({ train, test: empty, augmentation: { method: 'none' }, classifier: svm, seed: 1 }, /test set is empty/);
  });

  it('refuses a test label never seen in training', async () => {
    const rows = Array.from({ length: train.rows }, (_, i) => i).filter((i) => train.y[i] !== 2);
    const x = new Float32Array(rows.length * train.cols);
    rows.forEach((r, i) => x.set(train.x.subarray(r * train.cols, (r + 1) * train.cols), i * train.cols));
    const without2: LabelledSet = { rows: rows.length, cols: train.cols, x, y: Int32Array.from(rows, (r) => train.y[r] as number), classes: [...train.classes] };
    await rejects({ train: without2, test, augmentation: { method: 'none' }, classifier: svm, seed: 1 }, /'class2'.*never shows/);
  });

  it('refuses mismatched dimensions, bad labels, bad specs and bad seeds', async () => {
    const narrow: LabelledSet = { ...test, cols: test.cols - 1, x: test.x.subarray(0, test.rows * (test.cols - 1)) };
    await rejects({ train, test: narrow, augmentation: { method: 'none' }, classifier: svm, seed: 1 }, /different feature dimensions/);
    const badLabel = copy(test);
    badLabel.y[0] = 7;
    await rejects({ train, test: badLabel, augmentation: { method: 'none' }, classifier: svm, seed: 1 }, /outside the 3 classes/);
    await rejects({ train, test, augmentation: { method: 'smote', k: 0 }, classifier: svm, seed: 1 }, /augmentation\.k/);
    await rejects({ train, test, augmentation: { method: 'none' }, classifier: { kind: 'svm', C: -1 }, seed: 1 }, /classifier\.C/);
    await rejects({ train, test, augmentation: { method: 'duplicate', amount: { mode: 'ratio', ratio: 500 } }, classifier: svm, seed: 1 }, /more than 100x/);
    await rejects({ train, test, augmentation: { method: 'none' }, classifier: svm, seed: -1 }, /seed/);
  });

  describe('cycle-GAN', () => {
    const generator = classMeanGenerator(train);
    // Four speakers; no selection and no early stopping, so the one model asked for is fitted on every row.
    const trainSpeakers = Array.from({ length: train.rows }, (_, i) => `s${i % 4}`);
    const foldModels = classMeanFoldModels(train, trainSpeakers);
    const dnn: ClassifierSpecInput = { kind: 'dnn', hidden: [8], epochs: 3 };
    const amount = { mode: 'ratio', ratio: 0.5 } as const;

    it('gives the numbers of the path before it was an augmentation: GAN rows appended first, then method none', async () => {
      // The former activity (activities/gan-augmentation.ts): per class, deriveSeed(evaluation seed, 'cyclegan', class).
      const added = additionsPerClass(train, amount);
      const synthetic = added.map((n, c) => generator.generate(c, n, deriveSeed(5, 'cyclegan', train.classes[c] ?? c)));
      const rows = synthetic.flatMap((s) => Array.from({ length: s.rows }, (_, i) => s.x.subarray(i * s.cols, (i + 1) * s.cols)));
      const before = appendRows(train, synthetic.flatMap((s) => Array.from(s.y)), (row, i) => row.set(rows[i] as Float32Array));
      for (const classifier of [svm, dnn]) {
        const old = await evaluateFold({ train: before, test, augmentation: { method: 'none' }, classifier, seed: 5 });
        const now = await evaluateFold({ train, test, augmentation: { method: 'cyclegan', loss: 'wdiv', amount }, classifier, seed: 5, trainSpeakers, foldModels });
        assert.deepEqual(now.confusion, old.confusion, classifier.kind);
        assert.deepEqual(now.metrics, old.metrics, classifier.kind);
        assert.equal(now.trainRows, train.rows, 'trainRows of a cycle-GAN cell: the real rows, as for every method');
        assert.equal(now.addedRows, before.rows - train.rows, 'the added rows beside them');
        assert.deepEqual(now.augmentation.addedPerClass, Object.fromEntries(train.classes.map((name, c) => [name, added[c]])));
      }
    });

    it('refuses a cyclegan spec without fold models or without speakers, naming the field and the fix', async () => {
      await rejects({ train, test, augmentation: { method: 'cyclegan', loss: 'ce' }, classifier: svm, seed: 1 }, /^foldModels: .*Fix: /);
      await rejects({ train, test, augmentation: { method: 'cyclegan', loss: 'ce' }, classifier: svm, seed: 1, foldModels }, /^trainSpeakers: .*Fix: /);
    });
  });
});
