/**
 * How each audio file is brought to what the feature extractor is given: one channel, 16-bit
 * PCM, at the target rate (16 kHz by default). The rule is decided per file from its header
 * (`audioPreparation`, which extraction applies) and summarised once per corpus
 * (`surveyAudioPreparation`), so that a run records what was done to its audio in one line
 * instead of once per file.
 *
 * Why serflow converts instead of handing SMILExtract the file as it is: SMILExtract's standard
 * wave input (`monoMixdown=1`) does average the channels, as serflow does, but it never
 * resamples: it computes every feature at the file's own rate, and the same recording gives
 * other features at 48 kHz than at 16 kHz (measured on a voiced tone with noise: 41 of the 88
 * eGeMAPSv02 functionals and 595 of the 988 emobase ones differ by more than 5 %, loudness by
 * a factor of about 2). A corpus recorded at mixed rates, or compared with EMO-DB's 16 kHz,
 * would have features that depend on the recording rate, not only the speech.
 */
import { readWavFormat, type WavEncoding, type WavFormat } from '../audio/wav';
import { InputError } from '../../foundation/errors';

/** What is done to one file before extraction; null fields are left as they are. */
export interface AudioPreparation {
  /** Channel count mixed down to mono by averaging, when the file has more than one. */
  downmixFrom: number | null;
  /** Rate change, when the file's rate is not the target rate. */
  resample: { from: number; to: number } | null;
  /** Encoding re-written as 16-bit PCM, when the file is not 16-bit PCM. */
  reencodeFrom: WavEncoding | null;
}

/** The preparation of a file of `format`; `targetSampleRate` null keeps every file's rate. */
export function audioPreparation(format: WavFormat, targetSampleRate: number | null): AudioPreparation {
  return {
    downmixFrom: format.channels > 1 ? format.channels : null,
    resample: targetSampleRate !== null && format.sampleRate !== targetSampleRate ? { from: format.sampleRate, to: targetSampleRate } : null,
    reencodeFrom: format.encoding !== 'pcm16' ? format.encoding : null,
  };
}

/** True when the file cannot be handed to the extractor as it is. */
export function needsConversion(p: AudioPreparation): boolean {
  return p.downmixFrom !== null || p.resample !== null || p.reencodeFrom !== null;
}

/** What was done to a corpus's audio, once for the run. */
export interface AudioPreparationSummary {
  /** The rate every file is given to the extractor at; null: each file's own rate. */
  targetSampleRate: number | null;
  files: number;
  /** Files per source format, e.g. { "48000 Hz, 2 ch, pcm16": 12 }. */
  sourceFormats: Record<string, number>;
  downmixed: number;
  resampled: number;
  reencoded: number;
  /** Files whose header could not be read (bad audio: extraction fails or skips them). */
  unreadable: number;
  /** One line for people, e.g. "40 files to 16000 Hz mono 16-bit PCM: 30 resampled (from 48000 Hz: 20, 44100 Hz: 10); 12 downmixed ...". */
  text: string;
}

/** Summarises the formats of a corpus's files (null: a file whose header could not be read). */
export function summariseAudioPreparation(formats: readonly (WavFormat | null)[], targetSampleRate: number | null): AudioPreparationSummary {
  const sourceFormats: Record<string, number> = {};
  const resampledFrom = new Map<number, number>();
  const downmixedFrom = new Map<number, number>();
  const reencodedFrom = new Map<string, number>();
  const bump = <K>(map: Map<K, number>, key: K): void => void map.set(key, (map.get(key) ?? 0) + 1);
  let unreadable = 0;
  for (const format of formats) {
    if (!format) {
      unreadable++;
      continue;
    }
    const name = `${format.sampleRate} Hz, ${format.channels} ch, ${format.encoding}`;
    sourceFormats[name] = (sourceFormats[name] ?? 0) + 1;
    const p = audioPreparation(format, targetSampleRate);
    if (p.resample) bump(resampledFrom, p.resample.from);
    if (p.downmixFrom !== null) bump(downmixedFrom, p.downmixFrom);
    if (p.reencodeFrom !== null) bump(reencodedFrom, p.reencodeFrom);
  }
  const total = (map: Map<unknown, number>): number => [...map.values()].reduce((a, b) => a + b, 0);
  const counts = <K>(map: Map<K, number>, label: (k: K) => string): string =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${label(k)}: ${n}`).join(', ');
  const target = `${targetSampleRate === null ? "each file's own rate" : `${targetSampleRate} Hz`} mono 16-bit PCM`;
  const readable = formats.length - unreadable;
  const done = [
    resampledFrom.size ? `${total(resampledFrom)} resampled (from ${counts(resampledFrom, (r) => `${r} Hz`)})` : '',
    downmixedFrom.size ? `${total(downmixedFrom)} downmixed to mono by averaging the channels (${counts(downmixedFrom, (c) => `${c} ch`)})` : '',
    reencodedFrom.size ? `${total(reencodedFrom)} re-encoded (from ${counts(reencodedFrom, (e) => e)})` : '',
  ].filter(Boolean);
  const unread = unreadable ? `; ${unreadable} unreadable (bad audio, see the skipped files)` : '';
  const text = done.length
    ? `${readable} files to ${target} before SMILExtract: ${done.join('; ')}${unread}`
    : `none: all ${readable} files are ${target} already${unread}`;
  return {
    targetSampleRate, files: formats.length, sourceFormats,
    downmixed: total(downmixedFrom), resampled: total(resampledFrom), reencoded: total(reencodedFrom), unreadable, text,
  };
}

/** Reads the header of every file (a few at a time) and summarises what extraction does to them. */
export async function surveyAudioPreparation(paths: readonly string[], targetSampleRate: number | null, options: { signal?: AbortSignal; concurrency?: number } = {}): Promise<AudioPreparationSummary> {
  const formats = new Array<WavFormat | null>(paths.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const i = next++;
      options.signal?.throwIfAborted();
      try {
        formats[i] = await readWavFormat(paths[i] as string);
      } catch (err) {
        // Bad audio is extraction's to report (fail or skip, as configured), with its reason.
        if (!(err instanceof InputError)) throw err;
        formats[i] = null;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return summariseAudioPreparation(formats, targetSampleRate);
}
