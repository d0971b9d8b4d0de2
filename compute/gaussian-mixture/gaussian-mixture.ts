/**
 * A Gaussian mixture fitted by expectation-maximisation, the model behind class-conditional
 * mixture augmentation (class-conditional-mixture.ts): fit it to a class's rows, then draw new
 * rows from it. It follows scikit-learn's GaussianMixture (init_params='kmeans') step for step,
 * so that test/reference/gaussian_mixture_reference.py can check it:
 *
 * - initialisation: k-means (k-means++ seeding, then Lloyd) on the rows; its hard labels are the
 *   first responsibilities. Every draw comes from the seed (compute/random.ts), so a fit is
 *   deterministic: the same rows, options and seed give the same bytes.
 * - M-step: weights nk / n, means, covariances with `regCovar` added to the diagonal (as sklearn,
 *   nk gets 10 eps so an empty component does not divide by zero).
 * - E-step in float64 with log-sum-exp; full covariances through their Cholesky factor.
 * - convergence: the mean log-likelihood per row changes by less than `tol` between iterations
 *   (sklearn's rule). A fit that reaches `maxIter` first is returned with `converged: false`
 *   (sklearn warns); it is the caller's choice to report it.
 * - `nInit` fits from different seeds; the one with the highest final mean log-likelihood wins.
 *
 * The small linear algebra (Cholesky, triangular solve) is written here rather than taken from
 * npm: the GMM packages there (gaussian-mixture-model, expectation-maximization, the latter built
 * on the long-unmaintained `numeric`) are small one-author packages, not a maintained EM library.
 * Computation is O(iterations * n * k * d^2) for full covariances and O(iterations * n * k * d)
 * for diagonal ones, plus a d^3 / 3 Cholesky per component and iteration.
 */
import { z } from 'zod';
import { InputError } from '../../foundation/errors';
import { deriveSeed, Rng } from '../random';

/** Covariance structures, as scikit-learn names them. */
export const COVARIANCE_TYPES = ['full', 'diag'] as const;
export type CovarianceType = (typeof COVARIANCE_TYPES)[number];

export interface GaussianMixtureOptions {
  /** Number of components k, >= 1 and <= the rows (see effectiveComponents). */
  components: number;
  /** 'full': one d x d covariance per component; 'diag': one variance per feature and component. */
  covariance: CovarianceType;
  /** Added to every covariance diagonal so it stays positive definite. Default 1e-6 (sklearn's). */
  regCovar?: number;
  /** EM iterations at most per initialisation. Default 100. */
  maxIter?: number;
  /** Convergence: stop when the mean log-likelihood per row changes by less than this. Default 1e-3. */
  tol?: number;
  /** Initialisations (each from its own derived seed); the best final likelihood wins. Default 1. */
  nInit?: number;
}

/** A fitted mixture: plain data, float64, encodable (encodeGaussianMixture). */
export interface GaussianMixture {
  components: number;
  cols: number;
  covariance: CovarianceType;
  /** k mixing weights, summing to 1. */
  weights: Float64Array;
  /** k x cols, row-major. */
  means: Float64Array;
  /** 'full': k x cols x cols (each symmetric); 'diag': k x cols variances. regCovar included. */
  covariances: Float64Array;
  /** Whether EM met `tol` before `maxIter` (for the winning initialisation). */
  converged: boolean;
  /** EM iterations of the winning initialisation. */
  iterations: number;
  /** Mean log-likelihood per training row at the last E-step (sklearn's lower_bound_). */
  lowerBound: number;
}

export const GMM_DEFAULTS = { regCovar: 1e-6, maxIter: 100, tol: 1e-3, nInit: 1 } as const;

const LOG_2PI = Math.log(2 * Math.PI);
/** sklearn adds 10 * float64 eps to every nk. */
const NK_FLOOR = 10 * Number.EPSILON;
const KMEANS_MAX_ITER = 300;

/**
 * The number of components a class of `rows` rows can have when `k` are asked for: min(k, rows).
 * A mixture needs at least one row per component (fitGaussianMixture refuses fewer); callers
 * fitting one mixture per class lower k with this for small classes and say so in their report.
 * A class of one row gets one component: its mean is that row and its covariance regCovar * I.
 */
export function effectiveComponents(rows: number, k: number): number {
  return Math.max(0, Math.min(k, rows));
}

/** Fits a mixture of `options.components` Gaussians to the rows x cols row-major matrix `x`. */
export function fitGaussianMixture(
  x: Float32Array | Float64Array,
  rows: number,
  cols: number,
  options: GaussianMixtureOptions,
  seed: number,
): GaussianMixture {
  const k = options.components;
  const covariance = options.covariance;
  const regCovar = options.regCovar ?? GMM_DEFAULTS.regCovar;
  const maxIter = options.maxIter ?? GMM_DEFAULTS.maxIter;
  const tol = options.tol ?? GMM_DEFAULTS.tol;
  const nInit = options.nInit ?? GMM_DEFAULTS.nInit;
  if (!(Number.isInteger(k) && k >= 1)) {
    throw new InputError({ field: 'gaussianMixture.components', reason: `is ${k}, not an integer >= 1`, fix: 'ask for at least one component' });
  }
  if (!(COVARIANCE_TYPES as readonly string[]).includes(covariance)) {
    throw new InputError({ field: 'gaussianMixture.covariance', reason: `is ${JSON.stringify(covariance)}`, expected: COVARIANCE_TYPES, actual: covariance, fix: "use 'diag' or 'full'" });
  }
  checkOption('regCovar', regCovar, Number.isFinite(regCovar) && regCovar >= 0, 'a finite number >= 0 (default 1e-6)');
  checkOption('maxIter', maxIter, Number.isInteger(maxIter) && maxIter >= 1, 'an integer >= 1 (default 100)');
  checkOption('tol', tol, Number.isFinite(tol) && tol >= 0, 'a finite number >= 0 (default 1e-3)');
  checkOption('nInit', nInit, Number.isInteger(nInit) && nInit >= 1, 'an integer >= 1 (default 1)');
  const data = checkedMatrix(x, rows, cols, 'gaussianMixture.x');
  if (rows < k) {
    throw new InputError({
      field: 'gaussianMixture.components',
      reason: `${k} components need at least ${k} rows, the matrix has ${rows}`,
      fix: `lower components (effectiveComponents(${rows}, ${k}) = ${effectiveComponents(rows, k)}), or the class is too small to model: give it more rows`,
    });
  }

  let best: GaussianMixture | undefined;
  for (let init = 0; init < nInit; init++) {
    const rng = new Rng(deriveSeed(seed, 'gmm-init', init));
    const labels = kMeansLabels(data, rows, cols, k, rng);
    const resp = new Float64Array(rows * k);
    labels.forEach((c, i) => (resp[i * k + c] = 1));
    let model = mStep(data, rows, cols, resp, k, covariance, regCovar);
    let lowerBound = -Infinity;
    let converged = false;
    let iterations = 0;
    for (let iter = 1; iter <= maxIter; iter++) {
      iterations = iter;
      const previous = lowerBound;
      lowerBound = eStep(model, data, rows, resp);
      model = mStep(data, rows, cols, resp, k, covariance, regCovar);
      if (Math.abs(lowerBound - previous) < tol) {
        converged = true;
        break;
      }
    }
    model.converged = converged;
    model.iterations = iterations;
    model.lowerBound = lowerBound;
    if (!best || lowerBound > best.lowerBound) best = model;
  }
  return best as GaussianMixture;
}

/** Mean log-likelihood per row of `x` under the mixture (scikit-learn's `score`). */
export function meanLogLikelihood(model: GaussianMixture, x: Float32Array | Float64Array, rows: number, cols: number): number {
  if (cols !== model.cols) {
    throw new InputError({ field: 'gaussianMixture.x', reason: 'has a different number of columns than the mixture was fitted on', expected: model.cols, actual: cols, fix: 'score rows of the same features' });
  }
  const data = checkedMatrix(x, rows, cols, 'gaussianMixture.x');
  if (rows === 0) throw new InputError({ field: 'gaussianMixture.x', reason: 'has no rows to score', fix: 'score at least one row' });
  return logProbabilities(model, data, rows).reduce((sum, v) => sum + v, 0) / rows;
}

/** Per-row log-likelihood log p(x_i) under the mixture. */
function logProbabilities(model: GaussianMixture, x: Float64Array, rows: number): Float64Array {
  const weighted = weightedLogDensities(model, x, rows);
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) out[i] = logSumExp(weighted, i * model.components, model.components);
  return out;
}

/**
 * `n` rows drawn from the mixture with `seed` alone: per row a component by the weights, then
 * mean + L z with z standard normal and L the covariance's Cholesky factor (sqrt of the variances
 * for 'diag'). Row-major n x cols float32.
 */
export function sample(model: GaussianMixture, n: number, seed: number): Float32Array {
  if (!(Number.isInteger(n) && n >= 0)) {
    throw new InputError({ field: 'gaussianMixture.sample.n', reason: `is ${n}, not an integer >= 0`, fix: 'ask for a whole number of rows' });
  }
  const { components: k, cols: d } = model;
  const factors = covarianceFactors(model);
  const rng = new Rng(seed);
  const out = new Float32Array(n * d);
  const z = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const u = rng.next();
    let c = 0;
    for (let acc = model.weights[0] as number; c < k - 1 && u >= acc; ) acc += model.weights[++c] as number;
    for (let j = 0; j < d; j++) z[j] = rng.normal();
    const f = factors[c] as Float64Array;
    for (let j = 0; j < d; j++) {
      let v = model.means[c * d + j] as number;
      if (model.covariance === 'diag') v += (f[j] as number) * (z[j] as number);
      else for (let m = 0; m <= j; m++) v += (f[j * d + m] as number) * (z[m] as number);
      out[r * d + j] = v;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// EM steps

/** Weighted log densities log w_c + log N(x_i | mu_c, S_c), rows x k. */
function weightedLogDensities(model: GaussianMixture, x: Float64Array, rows: number): Float64Array {
  const { components: k, cols: d } = model;
  const factors = covarianceFactors(model);
  const out = new Float64Array(rows * k);
  const diff = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    const f = factors[c] as Float64Array;
    let logDet = 0; // log |S_c| / 2
    for (let j = 0; j < d; j++) logDet += Math.log(model.covariance === 'diag' ? (f[j] as number) : (f[j * d + j] as number));
    const constant = Math.log(model.weights[c] as number) - 0.5 * d * LOG_2PI - logDet;
    for (let i = 0; i < rows; i++) {
      let maha = 0;
      if (model.covariance === 'diag') {
        for (let j = 0; j < d; j++) {
          const t = ((x[i * d + j] as number) - (model.means[c * d + j] as number)) / (f[j] as number);
          maha += t * t;
        }
      } else {
        for (let j = 0; j < d; j++) diff[j] = (x[i * d + j] as number) - (model.means[c * d + j] as number);
        forwardSolveInPlace(f, d, diff);
        for (let j = 0; j < d; j++) maha += (diff[j] as number) * (diff[j] as number);
      }
      out[i * k + c] = constant - 0.5 * maha;
    }
  }
  return out;
}

/** Fills `resp` with the responsibilities; returns the mean log-likelihood per row. */
function eStep(model: GaussianMixture, x: Float64Array, rows: number, resp: Float64Array): number {
  const k = model.components;
  const weighted = weightedLogDensities(model, x, rows);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const norm = logSumExp(weighted, i * k, k);
    total += norm;
    for (let c = 0; c < k; c++) resp[i * k + c] = Math.exp((weighted[i * k + c] as number) - norm);
  }
  return total / rows;
}

/** Weights, means and covariances from the responsibilities (sklearn's _estimate_gaussian_parameters). */
function mStep(x: Float64Array, rows: number, d: number, resp: Float64Array, k: number, covariance: CovarianceType, regCovar: number): GaussianMixture {
  const nk = new Float64Array(k).fill(NK_FLOOR);
  const means = new Float64Array(k * d);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < k; c++) {
      const r = resp[i * k + c] as number;
      if (r === 0) continue;
      nk[c] = (nk[c] as number) + r;
      for (let j = 0; j < d; j++) means[c * d + j] = (means[c * d + j] as number) + r * (x[i * d + j] as number);
    }
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) means[c * d + j] = (means[c * d + j] as number) / (nk[c] as number);

  const covariances = new Float64Array(covariance === 'full' ? k * d * d : k * d);
  const diff = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    const n = nk[c] as number;
    for (let i = 0; i < rows; i++) {
      const r = resp[i * k + c] as number;
      if (r === 0) continue;
      for (let j = 0; j < d; j++) diff[j] = (x[i * d + j] as number) - (means[c * d + j] as number);
      if (covariance === 'diag') {
        for (let j = 0; j < d; j++) covariances[c * d + j] = (covariances[c * d + j] as number) + r * (diff[j] as number) * (diff[j] as number);
      } else {
        const base = c * d * d;
        for (let j = 0; j < d; j++) {
          const rj = r * (diff[j] as number);
          for (let m = 0; m <= j; m++) covariances[base + j * d + m] = (covariances[base + j * d + m] as number) + rj * (diff[m] as number);
        }
      }
    }
    if (covariance === 'diag') {
      for (let j = 0; j < d; j++) covariances[c * d + j] = (covariances[c * d + j] as number) / n + regCovar;
    } else {
      const base = c * d * d;
      for (let j = 0; j < d; j++) {
        for (let m = 0; m < j; m++) {
          const v = (covariances[base + j * d + m] as number) / n;
          covariances[base + j * d + m] = v;
          covariances[base + m * d + j] = v;
        }
        covariances[base + j * d + j] = (covariances[base + j * d + j] as number) / n + regCovar;
      }
    }
  }
  let sum = 0;
  nk.forEach((v) => (sum += v));
  const weights = Float64Array.from(nk, (v) => v / sum);
  return { components: k, cols: d, covariance, weights, means, covariances, converged: false, iterations: 0, lowerBound: -Infinity };
}

// ---------------------------------------------------------------------------------------------
// k-means initialisation

/** Hard labels of k-means: k-means++ seeding (D^2 sampling), then Lloyd until no label changes. */
function kMeansLabels(x: Float64Array, rows: number, d: number, k: number, rng: Rng): Int32Array {
  const centres = new Float64Array(k * d);
  const nearest = new Float64Array(rows).fill(Infinity);
  let pick = rng.int(rows);
  for (let c = 0; c < k; c++) {
    if (c > 0) {
      let total = 0;
      nearest.forEach((v) => (total += v));
      if (total > 0) {
        let u = rng.next() * total;
        pick = rows - 1;
        for (let i = 0; i < rows; i++) {
          u -= nearest[i] as number;
          if (u < 0) {
            pick = i;
            break;
          }
        }
      } else {
        pick = rng.int(rows); // every row already sits on a centre: duplicates, any will do
      }
    }
    centres.set(x.subarray(pick * d, (pick + 1) * d), c * d);
    for (let i = 0; i < rows; i++) nearest[i] = Math.min(nearest[i] as number, squaredDistance(x, i * d, centres, c * d, d));
  }

  const labels = new Int32Array(rows).fill(-1);
  const counts = new Int32Array(k);
  for (let iter = 0; iter < KMEANS_MAX_ITER; iter++) {
    let changed = false;
    const distance = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let bestC = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const dist = squaredDistance(x, i * d, centres, c * d, d);
        if (dist < bestD) {
          bestD = dist;
          bestC = c;
        }
      }
      distance[i] = bestD;
      if (labels[i] !== bestC) {
        labels[i] = bestC;
        changed = true;
      }
    }
    counts.fill(0);
    labels.forEach((c) => (counts[c] = (counts[c] as number) + 1));
    // An empty cluster takes the row farthest from its centre (as sklearn relocates them).
    for (let c = 0; c < k; c++) {
      if (counts[c] !== 0) continue;
      let far = -1;
      for (let i = 0; i < rows; i++) if ((counts[labels[i] as number] as number) > 1 && (far < 0 || (distance[i] as number) > (distance[far] as number))) far = i;
      if (far < 0) break;
      counts[labels[far] as number] = (counts[labels[far] as number] as number) - 1;
      labels[far] = c;
      counts[c] = 1;
      distance[far] = 0;
      changed = true;
    }
    if (!changed) break;
    centres.fill(0);
    for (let i = 0; i < rows; i++) {
      const c = labels[i] as number;
      for (let j = 0; j < d; j++) centres[c * d + j] = (centres[c * d + j] as number) + (x[i * d + j] as number);
    }
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) centres[c * d + j] = (centres[c * d + j] as number) / (counts[c] as number);
  }
  return labels;
}

function squaredDistance(a: Float64Array, ai: number, b: Float64Array, bi: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const t = (a[ai + j] as number) - (b[bi + j] as number);
    s += t * t;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Linear algebra

/**
 * Per component: the lower Cholesky factor L (S = L L^T, d x d row-major) for 'full', the
 * standard deviations for 'diag'. A covariance that is not positive definite is an InputError:
 * the rows cannot support that many free parameters at that regulariser.
 */
function covarianceFactors(model: GaussianMixture): Float64Array[] {
  const { components: k, cols: d } = model;
  const out: Float64Array[] = [];
  for (let c = 0; c < k; c++) {
    if (model.covariance === 'diag') {
      const sd = Float64Array.from(model.covariances.subarray(c * d, (c + 1) * d), Math.sqrt);
      if (!sd.every((v) => v > 0 && Number.isFinite(v))) throw notPositiveDefinite(c, model.covariance);
      out.push(sd);
    } else {
      const l = cholesky(model.covariances.subarray(c * d * d, (c + 1) * d * d), d);
      if (!l) throw notPositiveDefinite(c, model.covariance);
      out.push(l);
    }
  }
  return out;
}

/** Lower Cholesky factor of the symmetric d x d row-major matrix `a`, or null if it is not positive definite. */
export function cholesky(a: Float64Array, d: number): Float64Array | null {
  const l = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let diag = a[j * d + j] as number;
    for (let m = 0; m < j; m++) diag -= (l[j * d + m] as number) ** 2;
    if (!(diag > 0) || !Number.isFinite(diag)) return null;
    const ljj = Math.sqrt(diag);
    l[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let s = a[i * d + j] as number;
      for (let m = 0; m < j; m++) s -= (l[i * d + m] as number) * (l[j * d + m] as number);
      l[i * d + j] = s / ljj;
    }
  }
  return l;
}

/** Solves L y = b for lower-triangular L (d x d row-major), overwriting b with y. */
function forwardSolveInPlace(l: Float64Array, d: number, b: Float64Array): void {
  for (let i = 0; i < d; i++) {
    let s = b[i] as number;
    for (let m = 0; m < i; m++) s -= (l[i * d + m] as number) * (b[m] as number);
    b[i] = s / (l[i * d + i] as number);
  }
}

function logSumExp(values: Float64Array, start: number, n: number): number {
  let max = -Infinity;
  for (let c = 0; c < n; c++) max = Math.max(max, values[start + c] as number);
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let c = 0; c < n; c++) s += Math.exp((values[start + c] as number) - max);
  return max + Math.log(s);
}

function notPositiveDefinite(component: number, covariance: CovarianceType): InputError {
  return new InputError({
    field: 'gaussianMixture.regCovar',
    reason: `the ${covariance} covariance of component ${component} is not positive definite (too few rows for its free parameters)`,
    fix: covariance === 'full' ? "increase regCovar, lower components, or use covariance 'diag'" : 'increase regCovar',
  });
}

// ---------------------------------------------------------------------------------------------
// Input checks

function checkOption(name: string, value: number, ok: boolean, expected: string): void {
  if (!ok) throw new InputError({ field: `gaussianMixture.${name}`, reason: `is ${value}, not ${expected}`, fix: `set ${name} to ${expected}` });
}

/** The matrix as float64, after checking its shape and that every value is finite. */
function checkedMatrix(x: Float32Array | Float64Array, rows: number, cols: number, field: string): Float64Array {
  if (!(Number.isInteger(rows) && rows >= 0 && Number.isInteger(cols) && cols >= 1)) {
    throw new InputError({ field, reason: `has shape ${rows} x ${cols}`, fix: 'pass a whole number of rows (>= 0) and columns (>= 1)' });
  }
  if (x.length !== rows * cols) {
    throw new InputError({ field, reason: 'has a length that does not match rows x cols', expected: rows * cols, actual: x.length, fix: 'pass the row-major matrix with its own shape' });
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new InputError({
        field,
        reason: `row ${Math.floor(i / cols)}, column ${i % cols} is ${x[i]}, not a finite number`,
        fix: 'remove or impute non-finite feature values before fitting (a failed extraction, or a zero variance divided by)',
      });
    }
  }
  return Float64Array.from(x);
}

// ---------------------------------------------------------------------------------------------
// Encoding

const FORMAT = 'serflow.gaussian-mixture';
const headerSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(1),
  components: z.number().int().positive(),
  cols: z.number().int().positive(),
  covariance: z.enum(COVARIANCE_TYPES),
  converged: z.boolean(),
  iterations: z.number().int().min(0),
  lowerBound: z.number(),
});

/**
 * The mixture as bytes, for storing by content hash: a uint32 (little-endian) header length, the
 * JSON header (format, version, shape, fit summary), zero padding to a multiple of 8, then the
 * float64 little-endian weights, means and covariances in that order. Same model, same bytes.
 */
export function encodeGaussianMixture(model: GaussianMixture): Buffer {
  const header = Buffer.from(
    JSON.stringify({
      format: FORMAT, version: 1, components: model.components, cols: model.cols, covariance: model.covariance,
      converged: model.converged, iterations: model.iterations, lowerBound: Number.isFinite(model.lowerBound) ? model.lowerBound : null,
    }),
    'utf8',
  );
  const offset = align8(4 + header.length);
  const arrays = [model.weights, model.means, model.covariances];
  const count = arrays.reduce((n, a) => n + a.length, 0);
  const out = Buffer.alloc(offset + 8 * count);
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  let at = offset;
  for (const a of arrays) for (const v of a) at = out.writeDoubleLE(v, at);
  return out;
}

/** The mixture encodeGaussianMixture wrote; anything else is an InputError. */
export function decodeGaussianMixture(bytes: Uint8Array): GaussianMixture {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (reason: string): InputError =>
    new InputError({ field: 'gaussianMixture bytes', reason, fix: 'these are not the bytes of encodeGaussianMixture (or are truncated): fit the mixture again' });
  if (buf.length < 4) throw corrupt(`are ${buf.length} bytes, too short for a header`);
  const headerLength = buf.readUInt32LE(0);
  if (4 + headerLength > buf.length) throw corrupt(`announce a ${headerLength}-byte header in ${buf.length} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(buf.subarray(4, 4 + headerLength).toString('utf8'));
  } catch {
    throw corrupt('have a header that is not JSON');
  }
  if (json && typeof json === 'object' && (json as { lowerBound?: unknown }).lowerBound === null) (json as { lowerBound: number }).lowerBound = -Infinity;
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) throw corrupt(`have a header that is not a Gaussian mixture's: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const h = parsed.data;
  const k = h.components;
  const d = h.cols;
  const sizes = [k, k * d, h.covariance === 'full' ? k * d * d : k * d];
  const offset = align8(4 + headerLength);
  const expected = offset + 8 * sizes.reduce((a, b) => a + b, 0);
  if (buf.length !== expected) throw corrupt(`are ${buf.length} bytes, the header implies ${expected}`);
  let at = offset;
  const [weights, means, covariances] = sizes.map((n) => {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++, at += 8) a[i] = buf.readDoubleLE(at);
    return a;
  }) as [Float64Array, Float64Array, Float64Array];
  return { components: k, cols: d, covariance: h.covariance, weights, means, covariances, converged: h.converged, iterations: h.iterations, lowerBound: h.lowerBound };
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
