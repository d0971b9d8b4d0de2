/**
 * A hold-out of whole speakers from a training set: the early-stopping validation rows of an
 * evaluation (compute/evaluate/train-on-real-rows.ts). Whole speakers, because rows of one
 * speaker on both sides would make the validation loss speaker-dependent while the test is not;
 * about `fraction` of the rows, because speakers differ in size.
 *
 * Speakers are shuffled from the seed (sorted first, so the draw does not depend on row order)
 * and taken in that order while each brings the held-out count closer to fraction x rows; the
 * first is always taken, and at least one speaker is always left to train on. The same speakers,
 * fraction and seed always give the same hold-out.
 */
import { InputError } from '../../foundation/errors';
import { Rng } from '../random';

export interface SpeakerHoldout {
  /** Row indices that stay for fitting, ascending. */
  fitRows: number[];
  /** Row indices held out, ascending: every row of the held-out speakers. */
  validationRows: number[];
  /** The held-out speakers, sorted. */
  validationSpeakers: string[];
}

/** `speakers[i]` is the speaker of row i; `fraction` in (0, 1). */
export function speakerHoldout(speakers: readonly string[], fraction: number, seed: number): SpeakerHoldout {
  if (!(fraction > 0 && fraction < 1)) {
    throw new InputError({ field: 'earlyStopping.validationFraction', reason: `is ${fraction}, not in (0, 1)`, fix: 'use e.g. 0.1' });
  }
  const counts = new Map<string, number>();
  for (const s of speakers) counts.set(s, (counts.get(s) ?? 0) + 1);
  if (counts.size < 2) {
    throw new InputError({
      field: 'earlyStopping',
      reason: `early stopping holds out whole speakers, and the training rows have ${counts.size} speaker(s)`,
      fix: 'turn early stopping off for this data, or train on more speakers',
    });
  }
  const order = new Rng(seed).shuffle([...counts.keys()].sort());
  const target = fraction * speakers.length;
  const held = new Set<string>();
  let heldRows = 0;
  for (const s of order) {
    if (held.size === order.length - 1) break;
    const next = heldRows + (counts.get(s) as number);
    if (held.size > 0 && Math.abs(next - target) >= Math.abs(heldRows - target)) break;
    held.add(s);
    heldRows = next;
  }
  const fitRows: number[] = [];
  const validationRows: number[] = [];
  speakers.forEach((s, i) => (held.has(s) ? validationRows : fitRows).push(i));
  return { fitRows, validationRows, validationSpeakers: [...held].sort() };
}
