// Quality metrics: the Fréchet distance's Gram-matrix trace term against closed forms (also when
// D > n, where the covariances are singular), the Jacobi eigen-solver, and k-NN precision/recall
// on cases with known answers (identical, disjoint, mode-collapsed), and the per-class round of a
// trained GAN (qualityByClass).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveSeed, Rng } from '../../../../compute/random';
import { classifierAccuracy, classQuality, frechetDistance, knnPrecisionRecall, qualityByClass, rowsOfClass } from '../../../../compute/cyclegan/quality';
import type { VectorSet } from '../../../../compute/cyclegan/quality';
import { symmetricEigenvalues } from '../../../../compute/cyclegan/symmetric-eigenvalues';

function gaussian(rows: number, cols: number, seed: number, scale = 1): VectorSet {
  const rng = new Rng(seed);
  return { rows, cols, x: Float32Array.from({ length: rows * cols }, (_, i) => rng.normal() * scale * (1 + (i % cols) / cols)) };
}

function map(set: VectorSet, f: (v: number, col: number) => number): VectorSet {
  return { ...set, x: set.x.map((v, i) => f(v, i % set.cols)) };
}

function colMeans(set: VectorSet): number[] {
  const m = new Array<number>(set.cols).fill(0);
  for (let i = 0; i < set.x.length; i++) m[i % set.cols]! += set.x[i]! / set.rows;
  return m;
}

function covarianceTrace(set: VectorSet): number {
  const m = colMeans(set);
  let t = 0;
  for (let i = 0; i < set.x.length; i++) t += (set.x[i]! - m[i % set.cols]!) ** 2;
  return t / (set.rows - 1);
}

for (const [label, rows, cols] of [['n > D', 60, 6], ['D > n (singular covariances)', 12, 300]] as const) {
  test(`Fréchet distance matches closed forms: identical, shifted, scaled (${label})`, () => {
    const real = gaussian(rows, cols, 7);
    assert.ok(frechetDistance(real, real) < 1e-3 * covarianceTrace(real), 'identical sets: 0');
    const shift = Array.from({ length: cols }, (_, c) => 0.3 + 0.01 * c);
    const shifted = map(real, (v, c) => v + shift[c]!);
    const expectedShift = shift.reduce((s, v) => s + v * v, 0);
    assert.ok(Math.abs(frechetDistance(real, shifted) - expectedShift) < 2e-3 * (expectedShift + covarianceTrace(real)));
    // Scaling about the mean by a: S_s = a^2 S_r, so FD = (1 - a)^2 tr(S_r).
    const mean = colMeans(real);
    const a = 1.7;
    const scaled = map(real, (v, c) => mean[c]! + a * (v - mean[c]!));
    const expected = (1 - a) ** 2 * covarianceTrace(real);
    const fd = frechetDistance(real, scaled);
    assert.ok(Math.abs(fd - expected) < 2e-3 * expected, `${fd} vs ${expected}`);
  });
}

test('Fréchet distance with different sample counts: larger for the more different distribution', () => {
  const real = gaussian(40, 50, 1);
  const near = gaussian(90, 50, 2);
  const far = map(gaussian(90, 50, 3, 2), (v) => v + 0.5);
  const [dNear, dFar] = [frechetDistance(real, near), frechetDistance(near, real)];
  assert.ok(Math.abs(dNear - dFar) < 1e-3 * dNear, 'symmetric in its arguments');
  assert.ok(frechetDistance(real, far) > 3 * dNear);
});

test('Jacobi eigenvalues: a known 3x3 case and trace/Frobenius invariants of a random one', () => {
  const known = Array.from(symmetricEigenvalues(Float64Array.from([2, 1, 0, 1, 2, 0, 0, 0, 5]), 3)).sort((x, y) => x - y);
  known.forEach((e, i) => assert.ok(Math.abs(e - [1, 3, 5][i]!) < 1e-12));
  const n = 30;
  const rng = new Rng(4);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) m[i * n + j] = m[j * n + i] = rng.normal();
  const eig = symmetricEigenvalues(m, n);
  const trace = Array.from({ length: n }, (_, i) => m[i * n + i]!).reduce((s, v) => s + v, 0);
  const frob = m.reduce((s, v) => s + v * v, 0);
  assert.ok(Math.abs(eig.reduce((s, v) => s + v, 0) - trace) < 1e-9);
  assert.ok(Math.abs(eig.reduce((s, v) => s + v * v, 0) - frob) < 1e-8);
});

test('k-NN precision/recall: identical sets 1/1, disjoint sets 0/0, mode collapse high precision and low recall', () => {
  const real = gaussian(50, 10, 9);
  assert.deepEqual(knnPrecisionRecall(real, real), { precision: 1, recall: 1 });
  assert.deepEqual(knnPrecisionRecall(real, map(real, (v) => v + 100)), { precision: 0, recall: 0 });
  // Forty synthetic samples crowded around a single real sample.
  const rng = new Rng(10);
  const collapsed: VectorSet = { rows: 40, cols: 10, x: Float32Array.from({ length: 400 }, (_, i) => real.x[i % 10]! + rng.normal() * 0.01) };
  const pr = knnPrecisionRecall(real, collapsed);
  assert.ok(pr.precision > 0.9, `precision ${pr.precision}`);
  assert.ok(pr.recall < 0.2, `recall ${pr.recall}`);
  assert.throws(() => knnPrecisionRecall(gaussian(3, 10, 1), real), /at least 4 vectors/);
});

test('classQuality wires the classifier accuracy and picks the class rows', () => {
  const real = gaussian(20, 4, 12);
  const labelled = { rows: 20, cols: 4, x: real.x, y: Int32Array.from({ length: 20 }, (_, i) => i % 2) };
  const ones = rowsOfClass(labelled, 1);
  assert.equal(ones.rows, 10);
  assert.deepEqual(Array.from(ones.x.subarray(0, 4)), Array.from(real.x.subarray(4, 8)));
  const q = classQuality(ones, ones, 1, (_x, rows) => Int32Array.from({ length: rows }, (_, i) => (i < 7 ? 1 : 0)));
  assert.equal(q.classifierAccuracy, 0.7);
  assert.equal(classifierAccuracy(new Int32Array([2, 2, 1, 2]), 2), 0.75);
  assert.equal(q.precision, 1);
});

test('qualityByClass scores every class with at least 2 real vectors, in class order, with per-class seeds', () => {
  // Class 'b' has a single vector: no covariance, so it is left out.
  const y = Int32Array.from([0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 2]);
  const real = { ...gaussian(y.length, 3, 5), y, classes: ['a', 'b', 'c'] };
  const calls: [number, number, number][] = [];
  const gans = {
    // The real rows of the class back, so precision and recall are 1 and the distance 0.
    generate: (classIndex: number, count: number, seed: number): VectorSet => {
      calls.push([classIndex, count, seed]);
      return rowsOfClass(real, classIndex);
    },
    classify: (_x: Float32Array, rows: number): Int32Array => new Int32Array(rows).fill(2),
  };
  const quality = qualityByClass(real, gans, 77);
  assert.deepEqual(quality.map((q) => q.className), ['a', 'c']);
  assert.deepEqual(calls, [[0, 5, deriveSeed(77, 'quality', 'a')], [2, 6, deriveSeed(77, 'quality', 'c')]]);
  assert.deepEqual(quality.map((q) => q.quality.classifierAccuracy), [0, 1]);
  for (const { quality: q } of quality) {
    assert.ok(q.frechetDistance < 1e-6);
    assert.equal(q.precision, 1);
    assert.equal(q.recall, 1);
  }
});
