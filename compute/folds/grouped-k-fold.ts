/**
 * Speaker-grouped k-fold: speakers are dealt into k groups (no speaker on both sides of a fold),
 * in an order shuffled from the seed, each to the group with the fewest utterances so far, so
 * that folds are of similar size. The same rows, k and seed always give the same folds.
 */
import { InputError } from '../../foundation/errors';
import { deriveSeed, Rng } from '../random';
import { checkFold, requireRows, speakersOf, type FoldDefinition, type FoldRow } from './fold-definition';

export interface GroupedKFoldOptions {
  /** Number of folds, 2 to the number of speakers. */
  k: number;
  /** Base seed; the shuffle uses deriveSeed(seed, 'grouped-k-fold'). */
  seed: number;
}

export function groupedKFold(rows: readonly FoldRow[], options: GroupedKFoldOptions): FoldDefinition[] {
  requireRows(rows, 'groupedKFold');
  const speakers = [...new Set(rows.map((r) => r.speaker))].sort();
  const { k } = options;
  if (!Number.isInteger(k) || k < 2 || k > speakers.length) {
    throw new InputError({ field: 'folds.k', reason: `k must be an integer from 2 to the number of speakers`, expected: `2..${speakers.length}`, actual: k, fix: 'choose a smaller k, or use leave-one-speaker-out' });
  }
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.speaker, (counts.get(r.speaker) ?? 0) + 1);
  const order = new Rng(deriveSeed(options.seed, 'grouped-k-fold')).shuffle([...speakers]);
  const groupOf = new Map<string, number>();
  const sizes = new Array<number>(k).fill(0);
  for (const s of order) {
    const g = sizes.indexOf(Math.min(...sizes));
    groupOf.set(s, g);
    sizes[g] = (sizes[g] as number) + (counts.get(s) as number);
  }
  return Array.from({ length: k }, (_, g) => {
    const trainIndices: number[] = [];
    const testIndices: number[] = [];
    rows.forEach((r, i) => (groupOf.get(r.speaker) === g ? testIndices : trainIndices).push(i));
    return checkFold({ name: `fold-${g + 1}-of-${k}`, trainIndices, testIndices, testSpeakers: speakersOf(rows, testIndices) }, rows);
  });
}
