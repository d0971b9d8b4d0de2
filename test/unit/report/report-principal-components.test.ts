// PCA for the report's maps: exact on a case with a known answer, and on random data the defining
// properties (orthonormal components, variances = variance of the projections, uncorrelated
// projections, no direction with more variance than the first component).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../compute/random';
import { fitPrincipalComponents, projectOnComponents } from '../../../compute/statistics/principal-components';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('points on the line y = 2x + 1: one component along (1, 2)/sqrt(5) carries all variance', () => {
  const ts = [-2, -1, 0, 0.5, 3];
  const x = Float64Array.from(ts.flatMap((t) => [t, 2 * t + 1]));
  const pca = fitPrincipalComponents(x, ts.length, 2, 2);
  close(pca.components[0] as number, 1 / Math.sqrt(5), 1e-9, 'u0.x');
  close(pca.components[1] as number, 2 / Math.sqrt(5), 1e-9, 'u0.y');
  close(pca.explained[0] as number, 1, 1e-9, 'explained');
  const mean = ts.reduce((a, b) => a + b, 0) / ts.length;
  const varT = ts.reduce((a, t) => a + (t - mean) ** 2, 0) / (ts.length - 1);
  close(pca.variances[0] as number, 5 * varT, 1e-9, 'variance');
});

test('random anisotropic data: orthonormal, maximal, uncorrelated', () => {
  const rng = new Rng(11);
  const rows = 60;
  const cols = 30;
  const scales = Array.from({ length: cols }, (_, c) => (c < 4 ? [6, 4, 2.5, 1.5][c] as number : 0.3));
  const x = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) x[r * cols + c] = rng.normal() * (scales[c] as number) + 3;
  const k = 3;
  const pca = fitPrincipalComponents(x, rows, cols, k);
  for (let p = 0; p < k; p++) {
    for (let q = 0; q < k; q++) {
      let dot = 0;
      for (let c = 0; c < cols; c++) dot += (pca.components[p * cols + c] as number) * (pca.components[q * cols + c] as number);
      close(dot, p === q ? 1 : 0, 1e-9, `u${p}.u${q}`);
    }
  }
  const z = projectOnComponents(pca, x, rows);
  const column = (q: number) => Array.from({ length: rows }, (_, r) => z[r * k + q] as number);
  const variance = (v: number[]) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
  };
  for (let q = 0; q < k; q++) close(variance(column(q)), pca.variances[q] as number, 1e-8, `variance ${q}`);
  assert.ok((pca.variances[0] as number) >= (pca.variances[1] as number) && (pca.variances[1] as number) >= (pca.variances[2] as number));
  const a = column(0);
  const b = column(1);
  close(a.reduce((s, v, i) => s + v * (b[i] as number), 0) / rows, 0, 1e-8, 'covariance of PC1 and PC2');
  // No random unit direction has more variance than the first component.
  for (let trial = 0; trial < 50; trial++) {
    const dir = Array.from({ length: cols }, () => rng.normal());
    const norm = Math.hypot(...dir);
    const proj = Array.from({ length: rows }, (_, r) => dir.reduce((s, d, c) => s + (d / norm) * ((x[r * cols + c] as number) - (pca.mean[c] as number)), 0));
    assert.ok(variance(proj) <= (pca.variances[0] as number) + 1e-9);
  }
});

test('too few rows is an error', () => {
  assert.throws(() => fitPrincipalComponents(new Float64Array(3), 1, 3, 2), /at least 2 rows/);
});
