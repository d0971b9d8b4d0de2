/**
 * Z-normalisation fitted on training rows only. Means and standard deviations come from the
 * rows a fold trains on; the same parameters are then applied to training and test rows, so no
 * statistic of the test side leaks into training. Columns constant over the training rows get
 * standard deviation 1 (they become 0 instead of NaN).
 */
import { InputError } from '../foundation/errors';

export interface ZNormalisation {
  /** Per-column mean of the training rows. */
  mean: Float64Array;
  /** Per-column population standard deviation of the training rows (1 where it is ~0). */
  std: Float64Array;
}

/**
 * Fits on `trainRows` (row indices) of a row-major `data` with `cols` columns. Accumulates in
 * float64 (two passes: mean, then centred squares) so that large offsets do not swamp variance.
 */
export function fitZNormalisation(data: Float32Array, cols: number, trainRows: readonly number[]): ZNormalisation {
  const rows = cols === 0 ? 0 : data.length / cols;
  if (!Number.isInteger(rows)) throw new RangeError(`fitZNormalisation: data length ${data.length} is not a multiple of ${cols} columns`);
  if (trainRows.length === 0) throw new InputError({ field: 'trainIndices', reason: 'no training rows to fit the normalisation on', fix: 'check the fold definition' });
  const mean = new Float64Array(cols);
  for (const r of trainRows) {
    if (!Number.isInteger(r) || r < 0 || r >= rows) throw new RangeError(`fitZNormalisation: row ${r} is out of range (${rows} rows)`);
    const off = r * cols;
    for (let c = 0; c < cols; c++) mean[c] = (mean[c] as number) + (data[off + c] as number);
  }
  for (let c = 0; c < cols; c++) mean[c] = (mean[c] as number) / trainRows.length;
  const std = new Float64Array(cols);
  for (const r of trainRows) {
    const off = r * cols;
    for (let c = 0; c < cols; c++) {
      const d = (data[off + c] as number) - (mean[c] as number);
      std[c] = (std[c] as number) + d * d;
    }
  }
  for (let c = 0; c < cols; c++) {
    const s = Math.sqrt((std[c] as number) / trainRows.length);
    // Identical float32 values give exactly 0 here (their float64 sum is exact). float32 carries
    // ~7 digits, so a spread below 1e-7 of the mean is rounding, not signal. Small-valued features
    // (energies of 1e-6) keep their scale: the threshold is relative, not absolute.
    std[c] = s <= 1e-7 * Math.abs(mean[c] as number) || s === 0 ? 1 : s;
  }
  return { mean, std };
}

/** Applies the normalisation to the given rows (default: all), returning a new row-major array. */
export function applyZNormalisation(z: ZNormalisation, data: Float32Array, cols: number, rowIndices?: readonly number[]): Float32Array {
  if (z.mean.length !== cols) throw new RangeError(`applyZNormalisation: fitted on ${z.mean.length} columns, data has ${cols}`);
  const rows = cols === 0 ? 0 : data.length / cols;
  const indices = rowIndices ?? Array.from({ length: rows }, (_, i) => i);
  const out = new Float32Array(indices.length * cols);
  indices.forEach((r, k) => {
    if (r < 0 || r >= rows) throw new RangeError(`applyZNormalisation: row ${r} is out of range (${rows} rows)`);
    const src = r * cols;
    const dst = k * cols;
    for (let c = 0; c < cols; c++) out[dst + c] = ((data[src + c] as number) - (z.mean[c] as number)) / (z.std[c] as number);
  });
  return out;
}

/**
 * How a row-major matrix's rows are laid out: vectors of `cols` values, or sequences
 * (compute/features/feature-shape.ts) of frames x `bands` values, frame-major, whose frames from
 * lengths[r] on are padding.
 */
export interface RowLayout {
  cols: number;
  sequence?: { bands: number; lengths: ArrayLike<number> };
}

/**
 * Z-normalisation fitted on `trainRows` in the rows' own layout: per column for vectors; per band
 * for sequences, over every frame the training rows really have (Chen et al.'s global mean and
 * standard deviation of the training set, per band), so that neither padding nor a frame's
 * position shapes the statistics.
 */
export function fitRowStandardisation(data: Float32Array, layout: RowLayout, trainRows: readonly number[]): ZNormalisation {
  if (!layout.sequence) return fitZNormalisation(data, layout.cols, trainRows);
  return fitZNormalisation(validFrames(data, layout, trainRows), layout.sequence.bands, Array.from({ length: frameCount(layout, trainRows) }, (_, i) => i));
}

/** Applies `z` to the given rows (default: all) in their layout; a sequence's padding stays 0. */
export function applyRowStandardisation(z: ZNormalisation, data: Float32Array, layout: RowLayout, rowIndices?: readonly number[]): Float32Array {
  const { cols, sequence } = layout;
  if (!sequence) return applyZNormalisation(z, data, cols, rowIndices);
  const { bands, lengths } = sequence;
  if (z.mean.length !== bands) throw new RangeError(`applyRowStandardisation: fitted on ${z.mean.length} bands, data has ${bands}`);
  const rows = cols === 0 ? 0 : data.length / cols;
  const indices = rowIndices ?? Array.from({ length: rows }, (_, i) => i);
  const out = new Float32Array(indices.length * cols);
  indices.forEach((r, k) => {
    if (r < 0 || r >= rows) throw new RangeError(`applyRowStandardisation: row ${r} is out of range (${rows} rows)`);
    const valid = (lengths[r] as number) * bands;
    for (let i = 0; i < valid; i++) {
      const b = i % bands;
      out[k * cols + i] = ((data[r * cols + i] as number) - (z.mean[b] as number)) / (z.std[b] as number);
    }
  });
  return out;
}

function frameCount(layout: RowLayout, rows: readonly number[]): number {
  return rows.reduce((n, r) => n + (layout.sequence?.lengths[r] as number), 0);
}

/** The valid frames of the given rows, one after the other: a frames x bands matrix. */
function validFrames(data: Float32Array, layout: RowLayout, rows: readonly number[]): Float32Array {
  const bands = layout.sequence?.bands as number;
  const out = new Float32Array(frameCount(layout, rows) * bands);
  let at = 0;
  for (const r of rows) {
    const n = (layout.sequence?.lengths[r] as number) * bands;
    out.set(data.subarray(r * layout.cols, r * layout.cols + n), at);
    at += n;
  }
  return out;
}
