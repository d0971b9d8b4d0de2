/**
 * A file's audio as every extractor is given it: decoded and checked by serflow's WAV reader,
 * refused when silent, then (audio-preparation.ts decides when, and says why) averaged to one
 * channel, resampled to the target rate and quantised to 16-bit PCM.
 *
 * One function for openSMILE (which writes these samples to a WAV for SMILExtract) and the
 * log-Mel extractor (which computes on them): both feature sets of an utterance are computed on
 * the same samples. The quantisation is done by encoding and decoding a 16-bit WAV, so the
 * samples are bit for bit what SMILExtract reads from the file written for it.
 */
import { resample, TARGET_SAMPLE_RATE } from '../audio/resample';
import { decodeWav, encodeWavPcm16, readWav } from '../audio/wav';
import { InputError } from '../../foundation/errors';
import { audioPreparation, needsConversion, type AudioPreparation } from './audio-preparation';

/** Peak |sample| at or below which audio is silence: -80 dBFS. */
export const DEFAULT_SILENCE_PEAK = 1e-4;

export interface AudioPreparationOptions {
  /** Resample to this rate (Hz); null keeps the file's rate. Default 16000. */
  targetSampleRate?: number | null;
  /** Audio whose peak |sample| is at or below this is silence (an InputError). Default 1e-4 (-80 dBFS). */
  silencePeak?: number;
}

export interface PreparedAudio {
  /** Mono samples in [-1, 1) at `sampleRate`, multiples of 1/32768. */
  samples: Float32Array;
  sampleRate: number;
  /** What was done to the file; all null when it was 16-bit mono at the target rate already. */
  preparation: AudioPreparation;
}

/**
 * Reads `path` and prepares its audio. Corrupt, zero-length and silent audio are InputErrors
 * naming the file (a silent file would give a row of constant features, not an error).
 */
export async function readPreparedAudio(path: string, options: AudioPreparationOptions = {}): Promise<PreparedAudio> {
  const target = options.targetSampleRate === undefined ? TARGET_SAMPLE_RATE : options.targetSampleRate;
  const audio = await readWav(path);
  let peak = 0;
  for (const s of audio.samples) peak = Math.max(peak, Math.abs(s));
  const silencePeak = options.silencePeak ?? DEFAULT_SILENCE_PEAK;
  if (peak <= silencePeak) {
    throw new InputError({ file: path, reason: `audio is silent (peak ${peak.toExponential(2)} <= ${silencePeak})`, fix: 'remove the file from the corpus; its features would be meaningless' });
  }
  const preparation = audioPreparation(audio, target);
  if (!needsConversion(preparation)) return { samples: audio.samples, sampleRate: audio.sampleRate, preparation };
  // readWav has already averaged the channels; what is left is the rate and the encoding.
  const rate = preparation.resample ? preparation.resample.to : audio.sampleRate;
  const converted = preparation.resample ? resample(audio.samples, audio.sampleRate, rate) : audio.samples;
  const samples = decodeWav(encodeWavPcm16(converted, rate), path).samples;
  return { samples, sampleRate: rate, preparation };
}
