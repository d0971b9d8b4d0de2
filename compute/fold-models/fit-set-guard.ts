/**
 * The guard at the seam between trained augmenters and the rows they augment, the one promise of
 * fold models: an augmenter used on a set of rows has seen (been fitted on, or draws its sources
 * from) only rows of that set. It is checked on content, not on bookkeeping: every row the model
 * holds must be, bit for bit, one of the real rows being augmented (the model and the rows are
 * both in the outer fold's normalised space), so a model fitted on a validation or stopping
 * speaker's rows fails here loudly, whichever plan or key led to it.
 */
import type { LabelledSet } from '../labelled-set';
import { speakerSet } from './fit-sets';
import type { FoldModels, SeenRows, TrainedAugmenter } from './trained-augmenter';

/** A broken fold-model protocol: a bug, not bad input. */
export class FitSetLeakError extends Error {
  override readonly name = 'FitSetLeakError';
  constructor(where: string, reason: string) {
    super(`trained augmenter for ${where}: ${reason}. A trained augmenter may see only the rows it augments (README, "The protocol")`);
  }
}

export interface AugmenterRequest {
  models: FoldModels;
  /** The outer fold's real training rows, normalised on themselves, and the speaker of each. */
  real: LabelledSet;
  speakers: readonly string[];
  /** Indices into `real` of the rows this use augments. */
  rows: readonly number[];
  /** What uses it, for the error: "the refit", "inner split speaker-03". */
  where: string;
}

/** The model fitted on exactly the speakers of `rows`, after checking that it has seen nothing else. */
export function augmenterForRows(request: AugmenterRequest): TrainedAugmenter {
  const fitSpeakers = speakerSet(request.speakers, request.rows);
  const model = request.models.fittedOn(fitSpeakers);
  assertSeenWithin(model.seenRows(), request);
  return model;
}

/** Throws FitSetLeakError unless every seen row is one of the real rows at `rows`. */
export function assertSeenWithin(seen: SeenRows, { real, speakers, rows, where }: Omit<AugmenterRequest, 'models'>): void {
  if (seen.cols !== real.cols) throw new FitSetLeakError(where, `the model holds ${seen.cols}-dimensional rows, the fold ${real.cols}-dimensional ones`);
  const allowed = new Set(rows.map((r) => rowKey(real.x, r, real.cols)));
  for (let i = 0; i < seen.rows; i++) {
    const key = rowKey(seen.x, i, seen.cols);
    if (allowed.has(key)) continue;
    // Name the speaker the stray row belongs to, when it is a real row of the fold.
    let owner = -1;
    for (let r = 0; r < real.rows && owner < 0; r++) if (rowKey(real.x, r, real.cols) === key) owner = r;
    const whose = owner >= 0 ? `a row of speaker ${speakers[owner]}, whose rows it does not augment (it augments ${speakerSet(speakers, rows).join(', ')})` : 'a row that is not among the rows it augments';
    throw new FitSetLeakError(where, `the model has seen ${whose} (its row ${i})`);
  }
}

/** Two 32-bit FNV-1a hashes over the row's float bits: equal rows always give equal keys. */
function rowKey(x: Float32Array, row: number, cols: number): string {
  const bits = new Uint32Array(x.buffer, x.byteOffset + row * cols * 4, cols);
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ cols;
  for (let i = 0; i < bits.length; i++) {
    const v = bits[i] as number;
    a = Math.imul(a ^ v, 0x01000193) >>> 0;
    b = Math.imul(b ^ ((v >>> 16) | (v << 16)), 0x85ebca6b) >>> 0;
  }
  return `${a.toString(36)}.${b.toString(36)}`;
}
