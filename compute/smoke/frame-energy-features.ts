/**
 * Eight cheap per-utterance features (frame log-energy and zero-crossing-rate statistics and
 * duration) for the smoke pipeline, which proves the stack end to end without openSMILE.
 */
import type { DecodedAudio } from '../audio/wav';

export const FRAME_ENERGY_FEATURE_NAMES = [
  'duration_s', 'logEnergy_mean', 'logEnergy_std', 'logEnergy_p10', 'logEnergy_p90', 'zcr_mean', 'zcr_std', 'voicedFraction',
];

export function frameEnergyFeatures(audio: DecodedAudio): Float32Array {
  const frame = Math.round(audio.sampleRate * 0.025);
  const hop = Math.round(audio.sampleRate * 0.01);
  const energies: number[] = [];
  const zcrs: number[] = [];
  for (let start = 0; start + frame <= audio.samples.length; start += hop) {
    let sum = 0;
    let crossings = 0;
    for (let i = start; i < start + frame; i++) {
      const v = audio.samples[i] as number;
      sum += v * v;
      if (i > start && (v >= 0) !== ((audio.samples[i - 1] as number) >= 0)) crossings++;
    }
    energies.push(Math.log10(sum / frame + 1e-10));
    zcrs.push(crossings / frame);
  }
  const sorted = [...energies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  const threshold = pct(0.9) - 2; // frames within 20 dB of the loud ones count as voiced
  return Float32Array.from([
    audio.samples.length / audio.sampleRate,
    mean(energies), std(energies), pct(0.1), pct(0.9),
    mean(zcrs), std(zcrs),
    energies.filter((e) => e > threshold).length / Math.max(1, energies.length),
  ]);
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

function std(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
}
