/**
 * Log-Mel spectrograms of a corpus (log-mel.ts), as one sequence-shaped FeatureMatrix: the same
 * contract as openSMILE's `extractFeatures` (bad audio failing or skipped, resuming from
 * `existing` rows and a `skip` predicate, each new row handed to `onRow`, progress, abort).
 *
 * Each file's audio is what SMILExtract would get (prepared-audio.ts: corrupt, zero-length and
 * silent audio are the same InputErrors; multi-channel audio averaged, resampled to 16 kHz and
 * quantised to 16-bit). The matrix's rows are `frames x bands` values, frame-major, zero-padded
 * after the row's own frames to the longest row's (`shape.frames`); `meta[i].frames` is row i's
 * own count.
 *
 * Column names: one per band, `mel0` .. `mel<bands-1>`, not one per value (EMO-DB's longest
 * utterance would need 36 000 names); `cols` is `shape.frames * shape.bands`, so
 * `columns.length === shape.bands`, not `cols`, in a sequence matrix.
 *
 * Files are computed one after the other: the spectrogram of all of EMO-DB takes seconds, and
 * worker threads on 2 cores would save at most half of that while competing with the rest of a
 * run.
 */
import type { CorpusEntry } from '../corpus/corpus-entry';
import { InputError } from '../../foundation/errors';
import type { FeatureMatrix } from './feature-matrix';
import { assembleSequenceMatrix, type FeatureRow } from './feature-rows';
import { LogMelPlan, logMelSpecSchema, type LogMelSpecInput, type LogMelSpectrogram } from './log-mel';
import type { SkippedFile } from './opensmile';
import { readPreparedAudio, type AudioPreparationOptions } from './prepared-audio';

/** `targetSampleRate` (default 16000, null keeps each file's rate) and `silencePeak` (default 1e-4): prepared-audio.ts. */
export interface LogMelExtractionOptions extends AudioPreparationOptions {
  /** The spectrogram (log-mel.ts `logMelSpecSchema`). Default: Chen et al. 2018's, 40 bands, 25/10 ms. */
  spec?: LogMelSpecInput;
  signal?: AbortSignal;
  /** Called after each processed file (extracted or skipped as bad); total counts only files to process. */
  onProgress?: (done: number, total: number) => void;
  /** Files (corpus-relative) not to process in this call, e.g. done by an earlier attempt. */
  skip?: (file: string) => boolean;
  /** Rows from an earlier attempt with the same spec, reused as they are (their bands must match). */
  existing?: FeatureMatrix;
  /**
   * Called with each new row as soon as it is computed: persist it here. The row is not padded:
   * `values` holds its own `frames * bands` values; `columns` are the band names.
   */
  onRow?: (row: FeatureRow, columns: string[]) => void | Promise<void>;
  /** 'fail' (default): the first bad file throws its InputError. 'skip': bad files are reported and left out. */
  onError?: 'fail' | 'skip';
}

export interface LogMelExtractionResult {
  /** Rows in corpus order, reused and newly computed, without skipped files; `shape` is a sequence. */
  matrix: FeatureMatrix;
  /** Bad files left out (onError 'skip'), with the reason. */
  skipped: SkippedFile[];
  extracted: number;
  reused: number;
}

/** The column names of a log-Mel matrix: one per band. */
export function logMelColumns(bands: number): string[] {
  return Array.from({ length: bands }, (_, b) => `mel${b}`);
}

/** The log-Mel spectrogram of one file's prepared audio. Bad audio is an InputError naming it. */
export async function extractFileLogMel(entry: CorpusEntry, options: AudioPreparationOptions & { spec?: LogMelSpecInput; plans?: Map<number, LogMelPlan> } = {}): Promise<LogMelSpectrogram> {
  const audio = await readPreparedAudio(entry.path, options);
  let plan = options.plans?.get(audio.sampleRate);
  if (!plan) {
    plan = new LogMelPlan(audio.sampleRate, options.spec ?? {});
    options.plans?.set(audio.sampleRate, plan);
  }
  return plan.compute(audio.samples);
}

/** Computes the log-Mel spectrogram of every entry that is not skipped or already extracted. */
export async function extractLogMel(entries: readonly CorpusEntry[], options: LogMelExtractionOptions = {}): Promise<LogMelExtractionResult> {
  const spec = logMelSpecSchema.parse(options.spec ?? {});
  const columns = logMelColumns(spec.bands);
  const onError = options.onError ?? 'fail';
  const rows = new Map<string, FeatureRow>();
  const wanted = new Set(entries.map((e) => e.file));
  if (options.existing) {
    for (const row of unpaddedRows(options.existing, columns)) if (wanted.has(row.file)) rows.set(row.file, row);
  }
  const reused = rows.size;
  const todo = entries.filter((e) => !rows.has(e.file) && !(options.skip?.(e.file) ?? false));
  const skipped: SkippedFile[] = [];
  const plans = new Map<number, LogMelPlan>();
  let done = 0;
  for (const entry of todo) {
    options.signal?.throwIfAborted();
    try {
      const got = await extractFileLogMel(entry, { spec, plans, targetSampleRate: options.targetSampleRate, silencePeak: options.silencePeak });
      const row: FeatureRow = { file: entry.file, label: entry.label, speaker: entry.speaker, frames: got.frames, values: got.values };
      rows.set(entry.file, row);
      await options.onRow?.(row, [...columns]);
    } catch (err) {
      if (!(err instanceof InputError && onError === 'skip')) throw err;
      skipped.push({ file: entry.file, reason: err.message });
    }
    options.onProgress?.(++done, todo.length);
  }
  options.signal?.throwIfAborted();
  const present = entries.map((e) => rows.get(e.file)).filter((r): r is FeatureRow => r !== undefined);
  if (present.length === 0) {
    throw new InputError({ reason: `no file could be extracted (${skipped.length} skipped as bad audio)`, fix: 'check the corpus: see the skipped-files report' });
  }
  return { matrix: assembleSequenceMatrix(columns, present), skipped, extracted: rows.size - reused, reused };
}

/** The rows of an earlier log-Mel matrix without their padding; its bands must be `columns`. */
function unpaddedRows(m: FeatureMatrix, columns: readonly string[]): FeatureRow[] {
  const bands = columns.length;
  if (m.shape?.kind !== 'sequence' || m.shape.bands !== bands || m.columns.length !== bands || m.columns.some((c, i) => c !== columns[i])) {
    throw new Error(`the existing rows are not log-Mel spectrograms of ${bands} bands (shape ${JSON.stringify(m.shape ?? { kind: 'vector' })}, ${m.columns.length} columns). Fix: resume only from rows extracted with the same log-Mel spec; discard the others.`);
  }
  return m.meta.map((meta, r) => {
    const frames = meta.frames;
    if (frames === undefined || frames < 1 || frames * bands > m.cols) {
      throw new Error(`existing row ${meta.file} has no valid frame count (${frames}, matrix of ${m.cols / bands} frames). Fix: discard the rows of that attempt and extract again.`);
    }
    return { file: meta.file, label: meta.label, speaker: meta.speaker, frames, values: m.data.slice(r * m.cols, r * m.cols + frames * bands) };
  });
}
