/**
 * The ACRNN's input: utterances (rows of a LabelledSet with `sequence`) cut into fixed-length
 * segments of 1 or 3 channels, laid out as the network reads them ([segment, frame, band, channel]).
 *
 * - Segments: an utterance of L frames gives ceil(L / segmentFrames) segments, frames
 *   [k S, (k + 1) S); the last is zero-padded. A row's frames from L on are never read, so
 *   whatever the padding of a row holds cannot change its segments.
 * - Channels (3): static, delta and delta-delta (compute/features/deltas.ts, window 2), computed
 *   on the utterance's own L frames. The static channel arrives normalised per band (the caller
 *   normalises the rows on the training rows); the two derived channels are normalised per band
 *   here by statistics of the training rows' frames (`fitDeltaNormalisation`, taken in fit and
 *   recorded in the model), as Chen et al. normalise each channel by the training set's.
 */
import { InputError } from '../../foundation/errors';
import { deltas } from '../features/deltas';
import type { LabelledSet, SequenceRows } from '../labelled-set';
import type { ZNormalisation } from '../normalise';
import { applyRowStandardisation, fitRowStandardisation } from '../normalise';

/** The delta window of Chen et al. (N = 2). */
export const DELTA_WINDOW = 2;

/** Per-band normalisation of the two derived channels. */
export interface DeltaNormalisation {
  delta: ZNormalisation;
  deltaDelta: ZNormalisation;
}

/** Utterances as sequences of frames: row r is frames x bands values, frame-major; lengths[r] are real. */
export interface SequenceInput {
  x: Float32Array;
  rows: number;
  frames: number;
  bands: number;
  lengths: ArrayLike<number>;
}

export interface Segments {
  count: number;
  /** count x segmentFrames x bands x channels values. */
  x: Float32Array;
  /** The label of each segment's utterance (when the input had labels). */
  y: Int32Array;
  /** Segments of the i-th requested row are [first[i], first[i + 1]). */
  first: Int32Array;
}

/**
 * The sequence view of a set, checked: refuses a set without `sequence` (the ACRNN classifies
 * sequences only) and a sequence description that does not match the values.
 */
export function sequenceInputOf(set: LabelledSet, field: string): SequenceInput & { sequence: SequenceRows } {
  const sequence = set.sequence;
  if (!sequence) {
    throw new InputError({
      field: `${field}.sequence`,
      reason: 'the ACRNN classifies sequences of frames, and this set has vector rows (no `sequence`)',
      fix: 'give the ACRNN a sequence feature set (log-Mel frames: features with a sequence shape), or use the svm or dnn classifier for vectors',
    });
  }
  checkSequence({ x: set.x, rows: set.rows, frames: sequence.frames, bands: sequence.bands, lengths: sequence.lengths }, field, set.cols);
  return { x: set.x, rows: set.rows, frames: sequence.frames, bands: sequence.bands, lengths: sequence.lengths, sequence };
}

/** Throws InputError unless the values hold rows x frames x bands and every length is in 1..frames. */
export function checkSequence(input: SequenceInput, field: string, cols = input.frames * input.bands): void {
  const { rows, frames, bands, lengths } = input;
  const problem = !Number.isInteger(frames) || frames < 1 || !Number.isInteger(bands) || bands < 1 ? `frames ${frames} and bands ${bands} must be positive integers`
    : cols !== frames * bands ? `cols ${cols} is not frames x bands = ${frames * bands}`
    : input.x.length !== rows * cols ? `${input.x.length} values for ${rows} rows of ${cols}`
    : lengths.length !== rows ? `${lengths.length} lengths for ${rows} rows`
    : undefined;
  if (problem) throw new InputError({ field: `${field}.sequence`, reason: `the sequence rows do not fit their description: ${problem}` });
  for (let r = 0; r < rows; r++) {
    const l = lengths[r] as number;
    if (!Number.isInteger(l) || l < 1 || l > frames) {
      throw new InputError({ field: `${field}.sequence.lengths[${r}]`, reason: `a row's length must be a whole number of frames in 1..${frames}`, actual: l });
    }
  }
}

/** Deltas and delta-deltas of the given rows on their own frames, in the rows' layout (padding 0), rows in the given order. */
function derivedRows(input: SequenceInput, rows: readonly number[]): { delta: Float32Array; deltaDelta: Float32Array } {
  const cols = input.frames * input.bands;
  const delta = new Float32Array(rows.length * cols);
  const deltaDelta = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => {
    const l = input.lengths[r] as number;
    deltas(input.x, l, input.bands, DELTA_WINDOW, r * cols, delta, i * cols);
    deltas(delta, l, input.bands, DELTA_WINDOW, i * cols, deltaDelta, i * cols);
  });
  return { delta, deltaDelta };
}

/** Per-band mean and standard deviation of the derived channels over every real frame of `rows`. */
export function fitDeltaNormalisation(input: SequenceInput, rows: readonly number[]): DeltaNormalisation {
  const { delta, deltaDelta } = derivedRows(input, rows);
  const layout = { cols: input.frames * input.bands, sequence: { bands: input.bands, lengths: Int32Array.from(rows, (r) => input.lengths[r] as number) } };
  const all = rows.map((_, i) => i);
  return { delta: fitRowStandardisation(delta, layout, all), deltaDelta: fitRowStandardisation(deltaDelta, layout, all) };
}

/**
 * The segments of the given rows, in row order, with `channels` channels (3 needs `norm`).
 * `labels`, when given, labels each segment with its row's label.
 */
export function segmentsOf(input: SequenceInput, rows: readonly number[], segmentFrames: number, channels: 1 | 3, norm?: DeltaNormalisation, labels?: Int32Array): Segments {
  const { frames, bands } = input;
  const cols = frames * bands;
  const first = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => {
    if (!Number.isInteger(r) || r < 0 || r >= input.rows) throw new RangeError(`segmentsOf: row ${r} is out of range (${input.rows} rows)`);
    first[i + 1] = (first[i] as number) + Math.ceil((input.lengths[r] as number) / segmentFrames);
  });
  const count = first[rows.length] as number;
  const x = new Float32Array(count * segmentFrames * bands * channels);
  const y = new Int32Array(count);
  let derived: { delta: Float32Array; deltaDelta: Float32Array } | undefined;
  if (channels === 3) {
    if (!norm) throw new Error('segmentsOf: 3 channels need the delta normalisation');
    const raw = derivedRows(input, rows);
    const layout = { cols, sequence: { bands, lengths: Int32Array.from(rows, (r) => input.lengths[r] as number) } };
    derived = { delta: applyRowStandardisation(norm.delta, raw.delta, layout), deltaDelta: applyRowStandardisation(norm.deltaDelta, raw.deltaDelta, layout) };
  }
  rows.forEach((r, i) => {
    const l = input.lengths[r] as number;
    for (let s = first[i] as number; s < (first[i + 1] as number); s++) {
      if (labels) y[s] = labels[r] as number;
      const start = (s - (first[i] as number)) * segmentFrames;
      const end = Math.min(l, start + segmentFrames);
      for (let t = start; t < end; t++) {
        const to = (s * segmentFrames + (t - start)) * bands * channels;
        const from = t * bands;
        for (let b = 0; b < bands; b++) {
          x[to + b * channels] = input.x[r * cols + from + b] as number;
          if (derived) {
            x[to + b * channels + 1] = derived.delta[i * cols + from + b] as number;
            x[to + b * channels + 2] = derived.deltaDelta[i * cols + from + b] as number;
          }
        }
      }
    }
  });
  return { count, x, y, first };
}
