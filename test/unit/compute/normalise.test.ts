import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyZNormalisation, fitZNormalisation } from '../../../compute/normalise';
import { Rng } from '../../../compute/random';

const COLS = 4;
function randomData(rows: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  // Columns with different offsets and scales; the last is constant.
  return Float32Array.from({ length: rows * COLS }, (_, i) => {
    const c = i % COLS;
    return c === 3 ? 7 : 1000 * c + (c + 1) * rng.normal();
  });
}

describe('z-normalisation', () => {
  const train = Array.from({ length: 30 }, (_, i) => i);
  const test = Array.from({ length: 10 }, (_, i) => 30 + i);

  it('gives training columns mean 0 and std 1; constant columns become 0, not NaN', () => {
    const data = randomData(40, 1);
    const z = fitZNormalisation(data, COLS, train);
    const out = applyZNormalisation(z, data, COLS, train);
    for (let c = 0; c < COLS; c++) {
      const col = train.map((_, k) => out[k * COLS + c] as number);
      const mean = col.reduce((a, b) => a + b, 0) / col.length;
      const sd = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / col.length);
      assert.ok(Math.abs(mean) < 1e-5, `column ${c} mean ${mean}`);
      if (c < 3) assert.ok(Math.abs(sd - 1) < 1e-5, `column ${c} std ${sd}`);
    }
    assert.equal(z.std[3], 1);
    assert.ok(out.every(Number.isFinite));
    assert.ok(Array.from(z.mean.subarray(0, 3)).every((m, c) => Math.abs(m - 1000 * c) < 3));
  });

  it('no test statistic leaks: drastically different test rows leave the fit and the normalised training rows unchanged', () => {
    const data = randomData(40, 2);
    const z1 = fitZNormalisation(data, COLS, train);
    const train1 = applyZNormalisation(z1, data, COLS, train);
    const test1 = applyZNormalisation(z1, data, COLS, test);

    const poisoned = Float32Array.from(data);
    for (const r of test) for (let c = 0; c < COLS; c++) poisoned[r * COLS + c] = 1e6 * (c + 1) * (r % 2 ? -1 : 1);
    const z2 = fitZNormalisation(poisoned, COLS, train);
    assert.deepEqual(z2, z1);
    assert.deepEqual(applyZNormalisation(z2, poisoned, COLS, train), train1);
    // The test rows did change (so the comparison above is not vacuous) ...
    assert.notDeepEqual(applyZNormalisation(z2, poisoned, COLS, test), test1);
    // ... and a fit that included them would differ.
    assert.notDeepEqual(fitZNormalisation(poisoned, COLS, [...train, ...test]).mean, z1.mean);
  });

  it('keeps the scale of small-valued features and rejects bad input', () => {
    const data = Float32Array.from([1e-6, 2e-6, 3e-6, 4e-6]);
    const z = fitZNormalisation(data, 1, [0, 1, 2, 3]);
    assert.ok(Math.abs((z.std[0] as number) - Math.sqrt(1.25) * 1e-6) < 1e-12);
    assert.throws(() => fitZNormalisation(data, 1, []), /no training rows/);
    assert.throws(() => fitZNormalisation(data, 1, [4]), RangeError);
    assert.throws(() => fitZNormalisation(data, 3, [0]), RangeError);
    assert.throws(() => applyZNormalisation(z, data, 2), RangeError);
  });
});
