/**
 * The FFT against the DFT's definition, summed directly in float64.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Fft, RealPowerSpectrum } from '../../../../compute/audio/fft';
import { Rng } from '../../../../compute/random';

function dft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * ((k * j) % n)) / n;
      outRe[k] = (outRe[k] as number) + (re[j] as number) * Math.cos(a) - (im[j] as number) * Math.sin(a);
      outIm[k] = (outIm[k] as number) + (re[j] as number) * Math.sin(a) + (im[j] as number) * Math.cos(a);
    }
  }
  return [outRe, outIm];
}

function noise(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => rng.next() * 2 - 1);
}

describe('Fft', () => {
  it('equals the directly summed DFT of complex noise for sizes 2 to 512', () => {
    for (const n of [2, 4, 8, 64, 512]) {
      const re = noise(n, 11 + n);
      const im = noise(n, 12 + n);
      const [wantRe, wantIm] = dft(re, im);
      new Fft(n).transform(re, im);
      for (let k = 0; k < n; k++) {
        assert.ok(Math.abs((re[k] as number) - (wantRe[k] as number)) < 1e-9 && Math.abs((im[k] as number) - (wantIm[k] as number)) < 1e-9, `n ${n}, bin ${k}`);
      }
    }
  });

  it('refuses sizes that are not powers of two', () => {
    assert.throws(() => new Fft(400), RangeError);
    assert.throws(() => new RealPowerSpectrum(2), RangeError);
  });
});

describe('RealPowerSpectrum', () => {
  it('gives |X_k|^2, k = 0 .. size/2, of real noise as the directly summed DFT does', () => {
    for (const n of [4, 16, 512]) {
      const x = noise(n, 5 + n);
      const [re, im] = dft(x, new Float64Array(n));
      const out = new Float64Array(n / 2 + 1);
      new RealPowerSpectrum(n).compute(x, out);
      for (let k = 0; k <= n / 2; k++) {
        const want = (re[k] as number) ** 2 + (im[k] as number) ** 2;
        assert.ok(Math.abs((out[k] as number) - want) <= 1e-9 * Math.max(1, want), `n ${n}, bin ${k}: ${out[k]} vs ${want}`);
      }
    }
  });
});
