/**
 * Folds over a corpus without some of its speakers (a sweep's held-out speakers,
 * `protocol.excludeSpeakers`): their rows are dropped before the folds are built, and the folds'
 * row indices are mapped back to the whole matrix's. So no fold trains, validates or tests on
 * them, and nothing downstream (standardisation, model selection, GAN training, early stopping)
 * can reach them: every consumer takes its rows from a fold.
 */
import { InputError } from '../../foundation/errors';
import type { FoldDefinition, FoldRow } from './fold-definition';

/**
 * `build` over the rows of every speaker but `excluded`, with its folds' indices mapped back to
 * `rows`. Throws an InputError naming an excluded speaker the rows do not have (a typo would
 * otherwise exclude nothing), and an Error should a fold still reach an excluded speaker.
 */
export function foldsWithoutSpeakers(rows: readonly FoldRow[], excluded: readonly string[], build: (kept: FoldRow[]) => FoldDefinition[]): FoldDefinition[] {
  const speakers = new Set(rows.map((r) => r.speaker));
  const unknown = excluded.filter((s) => !speakers.has(s));
  if (unknown.length > 0) {
    throw new InputError({
      field: 'protocol.excludeSpeakers', reason: `speaker(s) ${unknown.join(', ')} not in the corpus`, fix: `name speakers of the corpus: ${[...speakers].sort().join(', ')}`,
    });
  }
  const out = new Set(excluded);
  const index: number[] = [];
  const kept: FoldRow[] = [];
  rows.forEach((r, i) => {
    if (out.has(r.speaker)) return;
    index.push(i);
    kept.push(r);
  });
  const toMatrix = (i: number) => index[i] as number;
  return build(kept).map((fold) => {
    const mapped = { ...fold, trainIndices: fold.trainIndices.map(toMatrix), testIndices: fold.testIndices.map(toMatrix) };
    const leak = [...mapped.trainIndices, ...mapped.testIndices].find((i) => out.has((rows[i] as FoldRow).speaker));
    if (leak !== undefined) throw new Error(`fold ${fold.name} reaches row ${leak} of excluded speaker ${(rows[leak] as FoldRow).speaker}`);
    return mapped;
  });
}
