import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../foundation/errors';
import { evaluateFold } from '../../compute/evaluate';
import type { LabelledSet } from '../../compute/labelled-set';
import { gaussianClasses, splitEvery } from './synthetic-classes';

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
});
