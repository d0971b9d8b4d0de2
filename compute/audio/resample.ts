/**
 * Band-limited sample-rate conversion with a Kaiser-windowed sinc filter.
 *
 * Written here rather than taken from npm: the maintained option (libsamplerate-js) is a WASM
 * build with an asynchronous initialisation, and the small pure-JS one (wave-resampler 1.0.0)
 * is unmaintained; a windowed-sinc converter is a page of code whose quality the tests measure.
 *
 * The filter's cutoff sits at `rolloff` times the lower of the two Nyquist frequencies, and the
 * Kaiser window (beta 8.6, about 86 dB stopband) with `zeroCrossings` lobes each side puts the
 * whole transition band below the new Nyquist, so content above it is removed, not folded back.
 */
export interface ResampleOptions {
  /** Cutoff as a fraction of the lower Nyquist frequency. Default 0.9. */
  rolloff?: number;
  /** Sinc lobes on each side of the centre; more gives a narrower transition band. Default 32. */
  zeroCrossings?: number;
  /** Kaiser window shape; 8.6 gives about 86 dB of stopband attenuation. Default 8.6. */
  kaiserBeta?: number;
}

/** The rate the paper's features are computed at. */
export const TARGET_SAMPLE_RATE = 16000;

/** Converts `samples` from `fromRate` to `toRate` (both positive integers, in Hz). */
export function resample(samples: Float32Array, fromRate: number, toRate: number, options: ResampleOptions = {}): Float32Array {
  for (const [name, rate] of [['fromRate', fromRate], ['toRate', toRate]] as const) {
    if (!Number.isInteger(rate) || rate <= 0) throw new RangeError(`resample: ${name} must be a positive integer in Hz, got ${rate}`);
  }
  if (fromRate === toRate) return Float32Array.from(samples);
  const rolloff = options.rolloff ?? 0.9;
  const zeros = options.zeroCrossings ?? 32;
  const beta = options.kaiserBeta ?? 8.6;
  if (!(rolloff > 0 && rolloff <= 1)) throw new RangeError(`resample: rolloff must be in (0, 1], got ${rolloff}`);

  // Rational ratio up/down: output sample n sits at input position n * down / up.
  const g = gcd(fromRate, toRate);
  const up = toRate / g;
  const down = fromRate / g;
  // Cutoff in cycles per input sample, times 2 (1 = input Nyquist).
  const cutoff = rolloff * Math.min(1, toRate / fromRate);
  const halfWidth = Math.ceil(zeros / cutoff);
  const outLength = Math.ceil((samples.length * up) / down);
  const out = new Float32Array(outLength);
  const i0Beta = besselI0(beta);
  const taps = 2 * halfWidth;

  // One table of taps per output phase; the number of phases is `up`, which is small for
  // common rates (44.1k->16k: 160). For odd ratios fall back to computing taps on the fly.
  const tableable = up <= 2048;
  const table = tableable ? new Float64Array(up * taps) : undefined;
  const tapsFor = (frac: number, target: Float64Array, at: number): void => {
    // Tap j weights input sample (base - halfWidth + 1 + j) for an output at base + frac.
    for (let j = 0; j < taps; j++) {
      const x = j - halfWidth + 1 - frac;
      target[at + j] = kernel(x, cutoff, halfWidth, beta, i0Beta);
    }
  };
  if (table) for (let phase = 0; phase < up; phase++) tapsFor(phase / up, table, phase * taps);
  const scratch = new Float64Array(taps);

  for (let n = 0; n < outLength; n++) {
    const num = n * down;
    const base = Math.floor(num / up);
    const phase = num - base * up;
    let coeffs: Float64Array;
    let at: number;
    if (table) {
      coeffs = table;
      at = phase * taps;
    } else {
      tapsFor(phase / up, scratch, 0);
      coeffs = scratch;
      at = 0;
    }
    const start = base - halfWidth + 1;
    const jFrom = Math.max(0, -start);
    const jTo = Math.min(taps, samples.length - start);
    let acc = 0;
    for (let j = jFrom; j < jTo; j++) acc += (samples[start + j] as number) * (coeffs[at + j] as number);
    out[n] = acc;
  }
  return out;
}

/** Windowed sinc at offset x (input samples) from the output position; unit gain at DC. */
function kernel(x: number, cutoff: number, halfWidth: number, beta: number, i0Beta: number): number {
  const r = x / halfWidth;
  if (r <= -1 || r >= 1) return 0;
  const arg = Math.PI * cutoff * x;
  const sinc = x === 0 ? 1 : Math.sin(arg) / arg;
  const window = besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta;
  return cutoff * sinc * window;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for beta < 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-16) break;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
