import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confusionMatrix, metricsFromConfusion, sumConfusionMatrices, summariseRepeats } from '../../../compute/metrics';

const close = (actual: number | null, expected: number, eps = 1e-12): void => {
  assert.ok(actual !== null && Math.abs(actual - expected) < eps, `expected ${expected}, got ${actual}`);
};

describe('confusionMatrix', () => {
  it('counts true rows against predicted columns', () => {
    assert.deepEqual(confusionMatrix([0, 0, 1, 2, 2], [0, 1, 1, 0, 2], 3), [
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 1],
    ]);
  });
  it('rejects labels out of range and length mismatches', () => {
    assert.throws(() => confusionMatrix([0, 3], [0, 0], 3), RangeError);
    assert.throws(() => confusionMatrix([0, 1], [0], 3), RangeError);
  });
});

describe('metricsFromConfusion', () => {
  // Hand-computed: support 6, 6, 4; predicted 7, 4, 5; correct 5 + 3 + 4 = 12 of 16.
  const m = metricsFromConfusion([
    [5, 1, 0],
    [2, 3, 1],
    [0, 0, 4],
  ]);
  it('WA is correct / total', () => close(m.wa, 12 / 16));
  it('UAR is the mean of per-class recalls', () => {
    close(m.recall[0] ?? null, 5 / 6);
    close(m.recall[1] ?? null, 3 / 6);
    close(m.recall[2] ?? null, 1);
    close(m.uar, (5 / 6 + 1 / 2 + 1) / 3);
  });
  it('precision and F1 per class', () => {
    close(m.precision[0] ?? null, 5 / 7);
    close(m.precision[1] ?? null, 3 / 4);
    close(m.precision[2] ?? null, 4 / 5);
    // F1 = 2 TP / (support + predicted)
    close(m.f1[0] ?? null, 10 / 13);
    close(m.f1[1] ?? null, 6 / 10);
    close(m.f1[2] ?? null, 8 / 9);
    assert.deepEqual(m.support, [6, 6, 4]);
    assert.deepEqual(m.classesAbsent, []);
  });

  it('leaves a class absent from the test labels out of UAR', () => {
    const a = metricsFromConfusion([
      [3, 1, 0],
      [0, 0, 0],
      [1, 0, 2],
    ]);
    assert.equal(a.recall[1], null);
    assert.deepEqual(a.classesAbsent, [1]);
    close(a.uar, (3 / 4 + 2 / 3) / 2);
    close(a.wa, 5 / 7);
    // Predicted once but never present: precision 0, F1 undefined.
    assert.equal(a.precision[1], 0);
    assert.equal(a.f1[1], null);
  });

  it('a class present but never predicted has precision 0 and F1 0', () => {
    const b = metricsFromConfusion([
      [2, 0],
      [1, 0],
    ]);
    assert.equal(b.precision[1], 0);
    assert.equal(b.f1[1], 0);
    close(b.uar, 0.5);
  });

  it('pooled metrics sum the folds first (not the mean of fold UARs)', () => {
    const fold1 = confusionMatrix([0, 0, 0, 1], [0, 0, 1, 1], 2); // recalls 2/3, 1
    const fold2 = confusionMatrix([1, 1, 1, 0], [0, 0, 1, 0], 2); // recalls 1, 1/3
    const pooled = metricsFromConfusion(sumConfusionMatrices([fold1, fold2]));
    assert.deepEqual(sumConfusionMatrices([fold1, fold2]), [
      [3, 1],
      [2, 2],
    ]);
    close(pooled.uar, (3 / 4 + 2 / 4) / 2);
    close(pooled.wa, 5 / 8);
  });

  it('rejects an empty matrix', () => assert.throws(() => metricsFromConfusion([[0]]), RangeError));
});

describe('summariseRepeats', () => {
  it('mean and sample standard deviation', () => {
    const s = summariseRepeats([0.8, 0.82, 0.84]);
    close(s.mean, 0.82, 1e-12);
    close(s.std, 0.02, 1e-12);
    assert.equal(s.min, 0.8);
    assert.equal(s.max, 0.84);
  });
  it('std is null for a single repeat; non-finite values are refused', () => {
    assert.equal(summariseRepeats([0.5]).std, null);
    assert.throws(() => summariseRepeats([0.5, Number.NaN]), RangeError);
    assert.throws(() => summariseRepeats([]), RangeError);
  });
});
