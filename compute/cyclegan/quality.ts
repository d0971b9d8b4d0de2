/**
 * Per-class quality of synthetic vectors against the real vectors of the class.
 *
 * - Fréchet distance between Gaussians fitted to real and synthetic vectors:
 *     FD = ||mu_r - mu_s||^2 + tr(S_r) + tr(S_s) - 2 tr( (S_r^1/2 S_s S_r^1/2)^1/2 ).
 *   With D up to 6373 and tens of samples per class both covariances are singular, and a D x D
 *   matrix square root is both slow and unstable. We never form a D x D matrix: with centred
 *   rows A = X_r / sqrt(n-1) (n x D) and B = X_s / sqrt(m-1) (m x D), S_r = A'A and S_s = B'B;
 *   S_r^1/2 S_s S_r^1/2 has the same non-zero eigenvalues as S_r S_s = A'A B'B, which has those
 *   of (AB')(BA') = K K' with K = AB' (n x m). So the trace term is the sum of sqrt(eig(K K')),
 *   the nuclear norm of K, from the smaller of the two Gram matrices (n x n or m x m), by
 *   float64 Jacobi. tr(S_r) and tr(S_s) are the squared Frobenius norms of A and B. Exact, not an
 *   approximation; small negative eigenvalues from rounding are clamped to 0.
 * - Auxiliary-classifier accuracy on the synthetic vectors (fraction predicted as the class).
 * - k-NN precision and recall (Kynkäänniemi et al., NeurIPS 2019): each real sample gets a ball
 *   reaching its k-th nearest real neighbour; precision = fraction of synthetic samples inside
 *   at least one real ball; recall = the same with the roles swapped (synthetic balls, real
 *   samples). Default k = 3, as in the paper.
 *
 * Matrices are row-major Float32Array [rows, dim]. The Fréchet distance runs in float64 in JS
 * (about n*m*D multiply-adds: well under a second at D = 6373 with a few hundred samples); the
 * k-NN distances, which only rank, are tfjs float32 matmuls.
 *
 * `qualityByClass` runs all of them for every class of a fold on a trained cycle-GAN: the GAN
 * activity only logs its result.
 */
import { tf } from '../tf';
import { InputError } from '../../foundation/errors';
import { deriveSeed } from '../random';
import { symmetricEigenvalues } from './symmetric-eigenvalues';

export interface VectorSet {
  rows: number;
  cols: number;
  x: Float32Array;
}

export interface ClassQuality {
  frechetDistance: number;
  /** Fraction of synthetic vectors the frozen auxiliary classifier assigns to the class. */
  classifierAccuracy: number;
  precision: number;
  recall: number;
  realRows: number;
  syntheticRows: number;
}

/** Centred copy scaled by 1/sqrt(rows - 1), and the mean (float64). */
function centred(set: VectorSet): { scaled: Float64Array; mean: Float64Array } {
  const { rows, cols, x } = set;
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] = (mean[c] as number) + (x[r * cols + c] as number);
  for (let c = 0; c < cols; c++) mean[c] = (mean[c] as number) / rows;
  const scale = 1 / Math.sqrt(rows - 1);
  const scaled = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) scaled[r * cols + c] = ((x[r * cols + c] as number) - (mean[c] as number)) * scale;
  return { scaled, mean };
}

function checkSets(real: VectorSet, synthetic: VectorSet, minRows: number): void {
  if (real.cols !== synthetic.cols) throw new InputError({ field: 'synthetic.cols', reason: 'real and synthetic vectors differ in dimension', expected: real.cols, actual: synthetic.cols });
  for (const [name, set] of [['real', real], ['synthetic', synthetic]] as const) {
    if (set.rows < minRows) throw new InputError({ field: `${name}.rows`, reason: `needs at least ${minRows} vectors`, actual: set.rows });
  }
}

export function frechetDistance(real: VectorSet, synthetic: VectorSet): number {
  checkSets(real, synthetic, 2);
  const dim = real.cols;
  const a = centred(real);
  const b = centred(synthetic);
  let meanTerm = 0;
  for (let c = 0; c < dim; c++) meanTerm += ((a.mean[c] as number) - (b.mean[c] as number)) ** 2;
  const sumSquares = (v: Float64Array): number => v.reduce((s, e) => s + e * e, 0);
  const traceR = sumSquares(a.scaled);
  const traceS = sumSquares(b.scaled);
  // K K' on the smaller side: (A B')(B A') is n x n, (B A')(A B') is m x m; same non-zero spectrum.
  const [small, large] = real.rows <= synthetic.rows ? [a.scaled, b.scaled] : [b.scaled, a.scaled];
  const smallRows = Math.min(real.rows, synthetic.rows);
  const largeRows = Math.max(real.rows, synthetic.rows);
  // float64 throughout: K K' has rank <= min(n, m, D), and float32 rounding noise in its zero
  // eigenvalues turns into sqrt(noise) terms that add up (0.5 % error at n = 60, D = 6 in float32).
  const k = new Float64Array(smallRows * largeRows);
  for (let i = 0; i < smallRows; i++) {
    for (let j = 0; j < largeRows; j++) {
      let dot = 0;
      for (let c = 0, ai = i * dim, bj = j * dim; c < dim; c++) dot += (small[ai + c] as number) * (large[bj + c] as number);
      k[i * largeRows + j] = dot;
    }
  }
  const sym = new Float64Array(smallRows * smallRows);
  for (let i = 0; i < smallRows; i++) {
    for (let j = i; j < smallRows; j++) {
      let dot = 0;
      for (let c = 0, ki = i * largeRows, kj = j * largeRows; c < largeRows; c++) dot += (k[ki + c] as number) * (k[kj + c] as number);
      sym[i * smallRows + j] = dot;
      sym[j * smallRows + i] = dot;
    }
  }
  const eig = symmetricEigenvalues(sym, smallRows);
  let traceSqrt = 0;
  for (const e of eig) traceSqrt += Math.sqrt(Math.max(e, 0));
  return Math.max(meanTerm + traceR + traceS - 2 * traceSqrt, 0);
}

/** Squared Euclidean distances [a.rows, b.rows], float32 from Gram matrices, clamped at 0. */
function squaredDistances(a: VectorSet, b: VectorSet): Float32Array {
  return tf.tidy(() => {
    const ta = tf.tensor2d(a.x.subarray(0, a.rows * a.cols), [a.rows, a.cols]);
    const tb = tf.tensor2d(b.x.subarray(0, b.rows * b.cols), [b.rows, b.cols]);
    const na = tf.sum(tf.square(ta), 1, true);
    const nb = tf.sum(tf.square(tb), 1, true).transpose();
    return tf.relu(tf.sub(tf.add(na, nb), tf.mul(tf.matMul(ta, tb, false, true), 2))).dataSync() as Float32Array;
  });
}

/** Squared radius of each sample's ball: distance to its k-th nearest neighbour in its own set (self excluded). */
function kthNeighbourRadii(set: VectorSet, k: number): Float64Array {
  const d = squaredDistances(set, set);
  const radii = new Float64Array(set.rows);
  const row = new Float64Array(set.rows - 1);
  for (let i = 0; i < set.rows; i++) {
    let w = 0;
    for (let j = 0; j < set.rows; j++) if (j !== i) row[w++] = d[i * set.rows + j] as number;
    row.sort();
    radii[i] = row[k - 1] as number;
  }
  return radii;
}

/** Fraction of `probe` samples inside at least one ball of `manifold` (squared distances [probe, manifold]). */
function coverage(distances: Float32Array, probeRows: number, manifoldRadii: Float64Array): number {
  const m = manifoldRadii.length;
  let inside = 0;
  for (let i = 0; i < probeRows; i++) {
    for (let j = 0; j < m; j++) {
      if ((distances[i * m + j] as number) <= (manifoldRadii[j] as number)) { inside++; break; }
    }
  }
  return inside / probeRows;
}

export function knnPrecisionRecall(real: VectorSet, synthetic: VectorSet, k = 3): { precision: number; recall: number } {
  checkSets(real, synthetic, k + 1);
  const realRadii = kthNeighbourRadii(real, k);
  const syntheticRadii = kthNeighbourRadii(synthetic, k);
  const precision = coverage(squaredDistances(synthetic, real), synthetic.rows, realRadii);
  const recall = coverage(squaredDistances(real, synthetic), real.rows, syntheticRadii);
  return { precision, recall };
}

/** Fraction of predictions equal to `classIndex`. */
export function classifierAccuracy(predicted: Int32Array, classIndex: number): number {
  if (predicted.length === 0) return Number.NaN;
  let hits = 0;
  for (const p of predicted) if (p === classIndex) hits++;
  return hits / predicted.length;
}

/**
 * All metrics for one class. `classify` is the frozen auxiliary classifier (CycleGanTrainer.classify).
 */
export function classQuality(real: VectorSet, synthetic: VectorSet, classIndex: number, classify: (x: Float32Array, rows: number) => Int32Array, k = 3): ClassQuality {
  const { precision, recall } = knnPrecisionRecall(real, synthetic, k);
  return {
    frechetDistance: frechetDistance(real, synthetic),
    classifierAccuracy: classifierAccuracy(classify(synthetic.x, synthetic.rows), classIndex),
    precision,
    recall,
    realRows: real.rows,
    syntheticRows: synthetic.rows,
  };
}

/** The rows of `set` labelled `classIndex`, as a VectorSet (for the real side of classQuality). */
export function rowsOfClass(set: { rows: number; cols: number; x: Float32Array; y: Int32Array }, classIndex: number): VectorSet {
  const picked: number[] = [];
  for (let r = 0; r < set.rows; r++) if (set.y[r] === classIndex) picked.push(r);
  const x = new Float32Array(picked.length * set.cols);
  picked.forEach((r, i) => x.set(set.x.subarray(r * set.cols, (r + 1) * set.cols), i * set.cols));
  return { rows: picked.length, cols: set.cols, x };
}

/** What the fold quality needs of a trained cycle-GAN (a CycleGanTrainer is one). */
export interface TrainedClassGans {
  /** `count` synthetic vectors of class `classIndex`, drawn with `seed`. */
  generate(classIndex: number, count: number, seed: number): VectorSet;
  /** The frozen auxiliary classifier's predicted class per row. */
  classify(x: Float32Array, rows: number): Int32Array;
}

export interface NamedClassQuality {
  className: string;
  quality: ClassQuality;
}

/**
 * Per class of `real`, how close G_i(S) is to the real class i: as many synthetic vectors as real
 * ones (seeded by `seed`, 'quality' and the class name), scored by classQuality. Classes with
 * fewer than 2 real vectors have no Fréchet distance and are left out. In class order.
 */
export function qualityByClass(real: VectorSet & { y: Int32Array; classes: readonly string[] }, gans: TrainedClassGans, seed: number): NamedClassQuality[] {
  const out: NamedClassQuality[] = [];
  real.classes.forEach((className, c) => {
    const realRows = rowsOfClass(real, c);
    if (realRows.rows < 2) return;
    const synthetic = gans.generate(c, realRows.rows, deriveSeed(seed, 'quality', className));
    out.push({ className, quality: classQuality(realRows, synthetic, c, (x, rows) => gans.classify(x, rows)) });
  });
  return out;
}
