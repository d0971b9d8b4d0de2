/**
 * The discrete Fourier transform of a power-of-two length, in place, in float64: an iterative
 * radix-2 Cooley-Tukey transform with its bit-reversal permutation and twiddle factors computed
 * once per size.
 *
 * Written here for the log-Mel spectrogram (compute/features/log-mel.ts says why it does not use
 * tf.signal.stft): in float64 a 512-point transform is exact to about 1e-13 of the frame's
 * energy, and a plan is a few kilobytes.
 */
export class Fft {
  readonly size: number;
  private readonly reversed: Uint32Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  /** `size`: a power of two, at least 2. */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 2 || (size & (size - 1)) !== 0) throw new RangeError(`Fft: size must be a power of two >= 2, got ${size}`);
    this.size = size;
    const bits = Math.log2(size);
    this.reversed = new Uint32Array(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0, v = i; b < bits; b++, v >>= 1) r = (r << 1) | (v & 1);
      this.reversed[i] = r;
    }
    // exp(-2 pi i k / size) for k < size / 2: every stage reads its twiddles from this table.
    this.cos = new Float64Array(size / 2);
    this.sin = new Float64Array(size / 2);
    for (let k = 0; k < size / 2; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / size);
      this.sin[k] = -Math.sin((2 * Math.PI * k) / size);
    }
  }

  /** Replaces (re, im), each `size` long, by its DFT: X[k] = sum_n x[n] exp(-2 pi i k n / size). */
  transform(re: Float64Array, im: Float64Array): void {
    const n = this.size;
    if (re.length !== n || im.length !== n) throw new RangeError(`Fft.transform: expected two arrays of ${n}, got ${re.length} and ${im.length}`);
    const rev = this.reversed;
    for (let i = 0; i < n; i++) {
      const j = rev[i] as number;
      if (j > i) {
        const tr = re[i] as number;
        re[i] = re[j] as number;
        re[j] = tr;
        const ti = im[i] as number;
        im[i] = im[j] as number;
        im[j] = ti;
      }
    }
    const cos = this.cos;
    const sin = this.sin;
    for (let half = 1; half < n; half <<= 1) {
      const step = n / (2 * half);
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step] as number;
        const wi = sin[k * step] as number;
        for (let a = k; a < n; a += 2 * half) {
          const b = a + half;
          const br = re[b] as number;
          const bi = im[b] as number;
          const tr = br * wr - bi * wi;
          const ti = br * wi + bi * wr;
          const ar = re[a] as number;
          const ai = im[a] as number;
          re[b] = ar - tr;
          im[b] = ai - ti;
          re[a] = ar + tr;
          im[a] = ai + ti;
        }
      }
    }
  }
}

/**
 * |X_k|^2, k = 0 .. size / 2, of a real signal of `size` samples (a power of two, at least 4),
 * through one complex transform of half the length: the even samples as real parts, the odd
 * ones as imaginary parts, untangled afterwards. Half the work of a complex transform of the
 * real signal.
 */
export class RealPowerSpectrum {
  readonly size: number;
  private readonly half: Fft;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) throw new RangeError(`RealPowerSpectrum: size must be a power of two >= 4, got ${size}`);
    this.size = size;
    const m = size / 2;
    this.half = new Fft(m);
    this.re = new Float64Array(m);
    this.im = new Float64Array(m);
    this.cos = new Float64Array(m + 1);
    this.sin = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / size);
      this.sin[k] = Math.sin((2 * Math.PI * k) / size);
    }
  }

  /** Writes |X_k|^2 of `signal` (`size` samples) to `out` (size / 2 + 1 values). */
  compute(signal: Float64Array, out: Float64Array): void {
    const m = this.size / 2;
    if (signal.length !== this.size || out.length !== m + 1) throw new RangeError(`RealPowerSpectrum.compute: expected ${this.size} samples and ${m + 1} outputs, got ${signal.length} and ${out.length}`);
    const { re, im } = this;
    for (let j = 0; j < m; j++) {
      re[j] = signal[2 * j] as number;
      im[j] = signal[2 * j + 1] as number;
    }
    this.half.transform(re, im);
    for (let k = 0; k <= m; k++) {
      // Z = DFT of the packed signal; E, O: the DFTs of the even and odd samples.
      const a = re[k % m] as number;
      const b = im[k % m] as number;
      const c = re[(m - k) % m] as number;
      const d = im[(m - k) % m] as number;
      const er = (a + c) / 2;
      const ei = (b - d) / 2;
      const or = (b + d) / 2;
      const oi = (c - a) / 2;
      // X_k = E_k + exp(-2 pi i k / size) O_k
      const cs = this.cos[k] as number;
      const sn = this.sin[k] as number;
      const xr = er + or * cs + oi * sn;
      const xi = ei + oi * cs - or * sn;
      out[k] = xr * xr + xi * xi;
    }
  }
}
