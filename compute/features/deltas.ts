/**
 * Delta (regression) coefficients of a sequence of frames, HTK's formula as
 * python_speech_features.delta computes it:
 *
 *   d_t = sum_{n=1..N} n (c_{t+n} - c_{t-n}) / (2 sum_{n=1..N} n^2)
 *
 * with the first and last frames replicated beyond the edges. Delta-deltas are the deltas of the
 * deltas. Sums run in float64 and are stored as float32.
 */

/**
 * Deltas of `frames` frames of `bands` values each (frame-major: frame t, band b at
 * `t * bands + b`), over +-`window` frames. Reads `x` from `offset`; writes into `out` from
 * `outOffset` (a new array when `out` is not given) and returns it.
 */
export function deltas(x: Float32Array, frames: number, bands: number, window = 2, offset = 0, out?: Float32Array, outOffset = 0): Float32Array {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`deltas: window must be a positive integer, got ${window}`);
  if (!Number.isInteger(frames) || frames < 1 || !Number.isInteger(bands) || bands < 1) throw new RangeError(`deltas: ${frames} frames of ${bands} bands`);
  if (offset + frames * bands > x.length) throw new RangeError(`deltas: ${frames} x ${bands} values from ${offset} run past the input (${x.length})`);
  const target = out ?? new Float32Array(frames * bands);
  if (outOffset + frames * bands > target.length) throw new RangeError(`deltas: the output holds ${target.length} values, ${outOffset + frames * bands} needed`);
  let denominator = 0;
  for (let n = 1; n <= window; n++) denominator += 2 * n * n;
  const last = frames - 1;
  for (let t = 0; t < frames; t++) {
    for (let b = 0; b < bands; b++) {
      let sum = 0;
      for (let n = 1; n <= window; n++) {
        const ahead = Math.min(t + n, last);
        const behind = Math.max(t - n, 0);
        sum += n * ((x[offset + ahead * bands + b] as number) - (x[offset + behind * bands + b] as number));
      }
      target[outOffset + t * bands + b] = sum / denominator;
    }
  }
  return target;
}
