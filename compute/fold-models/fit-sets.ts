/**
 * Fit sets: the rows a trained augmenter may see, as the sorted list of speakers whose rows of
 * the outer training part it is fitted on. Every exclusion serflow makes inside an outer fold
 * (an inner split's validation speakers, an early-stopping hold-out) removes whole speakers, so a
 * set of speakers names a fit set exactly, and two uses that augment the same speakers' rows
 * (an SVM's speaker-holdout inner split and a DNN's early-stopping refit of the same fold and
 * repeat) share one model.
 */
import { InputError } from '../../foundation/errors';

/** The sorted distinct speakers of the given rows; `speakers[i]` is the speaker of row i. */
export function speakerSet(speakers: readonly string[], rows: readonly number[]): string[] {
  return [...new Set(rows.map((r) => {
    const s = speakers[r];
    if (s === undefined) throw new RangeError(`speakerSet: row ${r} has no speaker (${speakers.length} rows)`);
    return s;
  }))].sort();
}

/** The fit set of every outer-training speaker: the sorted distinct speakers of all rows. */
export function everySpeaker(speakers: readonly string[]): string[] {
  return [...new Set(speakers)].sort();
}

/** Row indices (ascending) of every row whose speaker is in `fitSpeakers`. */
export function fitSetRows(speakers: readonly string[], fitSpeakers: readonly string[]): number[] {
  const wanted = new Set(fitSpeakers);
  const known = new Set(speakers);
  const unknown = fitSpeakers.filter((s) => !known.has(s));
  if (unknown.length > 0) {
    throw new InputError({ field: 'fitSpeakers', reason: `speaker(s) ${unknown.join(', ')} have no row in this outer training part`, fix: 'plan the fit sets from the same fold (compute/evaluate/fit-sets-of-evaluation.ts)' });
  }
  const rows: number[] = [];
  speakers.forEach((s, i) => { if (wanted.has(s)) rows.push(i); });
  return rows;
}

/** A short stable name of a fit set, for run names, params and log lines: the speakers joined by '+'. */
export function fitSetName(fitSpeakers: readonly string[]): string {
  return fitSpeakers.join('+');
}

/** Whether two sorted speaker lists are the same set. */
export function sameSpeakers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}
