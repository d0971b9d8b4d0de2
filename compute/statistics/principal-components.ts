/**
 * Principal components of a row-major matrix, for 2-D maps and as the input of UMAP.
 *
 * Feature vectors have thousands of dimensions and a fold has a few hundred rows, so the D x D
 * covariance is never formed: the leading eigenvectors of the n x n Gram matrix G = Xc Xc' (Xc
 * centred) are found by subspace iteration with Gram-Schmidt, and mapped back to feature space
 * (u = Xc' v / sqrt(lambda)). Deterministic: the start vectors come from a seeded stream, and each
 * component's sign is fixed so that its largest-magnitude loading is positive.
 */
import { Rng } from '../random';
import { InputError } from '../../foundation/errors';

export interface PrincipalComponents {
  cols: number;
  /** Column means of the fitted rows. */
  mean: Float64Array;
  /** k unit vectors of length cols, row-major [k, cols]. */
  components: Float64Array;
  /** Variance along each component (eigenvalue / (n - 1)). */
  variances: number[];
  /** Fraction of the total variance each component explains. */
  explained: number[];
}

export interface PcaOptions {
  /** Iterations of subspace iteration. Default 300. */
  iterations?: number;
  seed?: number;
}

export function fitPrincipalComponents(x: Float32Array | Float64Array, rows: number, cols: number, k: number, options: PcaOptions = {}): PrincipalComponents {
  if (rows < 2) throw new InputError({ field: 'rows', reason: 'PCA needs at least 2 rows', actual: rows });
  if (x.length !== rows * cols) throw new InputError({ field: 'x', reason: 'length must be rows * cols', expected: rows * cols, actual: x.length });
  const rank = Math.min(k, rows - 1, cols);
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] = (mean[c] as number) + (x[r * cols + c] as number);
  for (let c = 0; c < cols; c++) mean[c] = (mean[c] as number) / rows;
  const xc = new Float64Array(rows * cols);
  let totalSquares = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = (x[r * cols + c] as number) - (mean[c] as number);
      xc[r * cols + c] = v;
      totalSquares += v * v;
    }
  }
  const gram = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = i; j < rows; j++) {
      let dot = 0;
      for (let c = 0, a = i * cols, b = j * cols; c < cols; c++) dot += (xc[a + c] as number) * (xc[b + c] as number);
      gram[i * rows + j] = dot;
      gram[j * rows + i] = dot;
    }
  }
  const rng = new Rng(options.seed ?? 7919);
  // V: [rank, rows], each row a vector in row space.
  let v = new Float64Array(rank * rows);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  orthonormalise(v, rank, rows);
  const iterations = options.iterations ?? 300;
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(rank * rows);
    for (let q = 0; q < rank; q++) {
      for (let i = 0; i < rows; i++) {
        let s = 0;
        for (let j = 0; j < rows; j++) s += (gram[i * rows + j] as number) * (v[q * rows + j] as number);
        next[q * rows + i] = s;
      }
    }
    orthonormalise(next, rank, rows);
    v = next;
  }
  // Rayleigh quotients, then sort by eigenvalue (subspace iteration converges to the span; order within it may differ).
  const eig = Array.from({ length: rank }, (_, q) => {
    let s = 0;
    for (let i = 0; i < rows; i++) {
      let gi = 0;
      for (let j = 0; j < rows; j++) gi += (gram[i * rows + j] as number) * (v[q * rows + j] as number);
      s += gi * (v[q * rows + i] as number);
    }
    return { q, lambda: Math.max(s, 0) };
  }).sort((a, b) => b.lambda - a.lambda);
  const components = new Float64Array(rank * cols);
  eig.forEach(({ q, lambda }, out) => {
    const scale = lambda > 0 ? 1 / Math.sqrt(lambda) : 0;
    let largest = 0;
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let i = 0; i < rows; i++) s += (xc[i * cols + c] as number) * (v[q * rows + i] as number);
      const u = s * scale;
      components[out * cols + c] = u;
      if (Math.abs(u) > Math.abs(largest)) largest = u;
    }
    if (largest < 0) for (let c = 0; c < cols; c++) components[out * cols + c] = -(components[out * cols + c] as number);
  });
  return {
    cols, mean, components,
    variances: eig.map((e) => e.lambda / (rows - 1)),
    explained: eig.map((e) => (totalSquares > 0 ? e.lambda / totalSquares : 0)),
  };
}

/** Coordinates of rows on the components: [rows, k] row-major. */
export function projectOnComponents(pca: PrincipalComponents, x: Float32Array | Float64Array, rows: number): Float64Array {
  const k = pca.variances.length;
  const { cols } = pca;
  if (x.length !== rows * cols) throw new InputError({ field: 'x', reason: 'length must be rows * cols', expected: rows * cols, actual: x.length });
  const out = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < k; q++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += ((x[r * cols + c] as number) - (pca.mean[c] as number)) * (pca.components[q * cols + c] as number);
      out[r * k + q] = s;
    }
  }
  return out;
}

/** Modified Gram-Schmidt on k vectors of length n stored row-major; a degenerate vector becomes 0. */
function orthonormalise(v: Float64Array, k: number, n: number): void {
  for (let q = 0; q < k; q++) {
    for (let p = 0; p < q; p++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += (v[q * n + i] as number) * (v[p * n + i] as number);
      for (let i = 0; i < n; i++) v[q * n + i] = (v[q * n + i] as number) - dot * (v[p * n + i] as number);
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += (v[q * n + i] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) v[q * n + i] = norm > 1e-300 ? (v[q * n + i] as number) / norm : 0;
  }
}
