import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resample } from '../../../../compute/audio/resample';

function tone(freq: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * freq * i) / rate));
}

/** Amplitude of the component at `freq` (single-bin DFT with a Hann window, edges trimmed). */
function amplitudeAt(x: Float32Array, rate: number, freq: number, trim = 0.1): number {
  const from = Math.floor(x.length * trim);
  const to = Math.floor(x.length * (1 - trim));
  const n = to - from;
  let re = 0;
  let im = 0;
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    const v = (x[from + i] as number) * w;
    const ph = (2 * Math.PI * freq * (from + i)) / rate;
    re += v * Math.cos(ph);
    im -= v * Math.sin(ph);
    wsum += w;
  }
  return (2 * Math.hypot(re, im)) / wsum;
}

/** Frequency from rising zero crossings, interpolated, over the middle of the signal. */
function zeroCrossingFrequency(x: Float32Array, rate: number): number {
  const crossings: number[] = [];
  for (let i = Math.floor(x.length * 0.1); i < x.length * 0.9; i++) {
    const a = x[i - 1] as number;
    const b = x[i] as number;
    if (a < 0 && b >= 0) crossings.push(i - 1 + a / (a - b));
  }
  const first = crossings[0] as number;
  const last = crossings[crossings.length - 1] as number;
  return ((crossings.length - 1) * rate) / (last - first);
}

const rms = (x: Float32Array, from: number, to: number): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += (x[i] as number) ** 2;
  return Math.sqrt(s / (to - from));
};

describe('resample', () => {
  for (const [from, freq] of [[48000, 1000], [44100, 440], [22050, 3000], [8000, 1234]] as const) {
    it(`${from} Hz -> 16 kHz keeps a ${freq} Hz tone's frequency and amplitude`, () => {
      const x = tone(freq, from, 1);
      const y = resample(x, from, 16000);
      assert.equal(y.length, 16000);
      const measured = zeroCrossingFrequency(y, 16000);
      assert.ok(Math.abs(measured - freq) < 0.5, `frequency ${measured} Hz, expected ${freq} Hz`);
      const a = amplitudeAt(y, 16000, freq);
      assert.ok(Math.abs(a - 0.5) < 0.005, `amplitude ${a}, expected 0.5`);
    });
  }

  it('attenuates a tone above the new Nyquist by more than 40 dB (no aliasing)', () => {
    // 11 kHz at 48 kHz would alias to 16 - 11 = 5 kHz at 16 kHz.
    const x = tone(11000, 48000, 1);
    const y = resample(x, 48000, 16000);
    const alias = amplitudeAt(y, 16000, 5000);
    const level = rms(y, 1600, 14400) / (0.5 / Math.SQRT2);
    assert.ok(20 * Math.log10(alias / 0.5) < -40, `alias at 5 kHz is ${(20 * Math.log10(alias / 0.5)).toFixed(1)} dB`);
    assert.ok(20 * Math.log10(level) < -40, `residual level ${(20 * Math.log10(level)).toFixed(1)} dB`);
  });

  it('attenuates content just above the new Nyquist (8.5 kHz from 44.1 kHz)', () => {
    const y = resample(tone(8500, 44100, 1), 44100, 16000);
    const level = rms(y, 1600, 14400) / (0.5 / Math.SQRT2);
    assert.ok(20 * Math.log10(level) < -40, `residual level ${(20 * Math.log10(level)).toFixed(1)} dB`);
  });

  it('a naive decimation would alias: the test signal is not trivially quiet', () => {
    // Guards the test above: picking every third sample of the 11 kHz tone leaves a loud 5 kHz tone.
    const x = tone(11000, 48000, 1);
    const naive = Float32Array.from({ length: 16000 }, (_, i) => x[i * 3] as number);
    assert.ok(amplitudeAt(naive, 16000, 5000) > 0.4);
  });

  it('returns a copy at equal rates and rejects bad rates', () => {
    const x = tone(100, 16000, 0.1);
    const y = resample(x, 16000, 16000);
    assert.deepEqual(y, x);
    assert.notEqual(y, x);
    assert.throws(() => resample(x, 0, 16000), RangeError);
    assert.throws(() => resample(x, 44100.5, 16000), RangeError);
  });

  it('handles empty and very short input', () => {
    assert.equal(resample(new Float32Array(0), 48000, 16000).length, 0);
    assert.equal(resample(Float32Array.from([1]), 48000, 16000).length, 1);
  });
});
