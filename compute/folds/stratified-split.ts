/**
 * A speaker-dependent hold-out split, stratified by label: each class contributes
 * round(n * testFraction) of its rows to the test side (at least one row stays in training),
 * drawn from the seed. Speakers appear on both sides: results are not speaker-independent.
 */
import { InputError } from '../../foundation/errors';
import { deriveSeed, Rng } from '../random';
import { checkFold, requireRows, speakersOf, type FoldDefinition, type FoldRow } from './fold-definition';

export interface StratifiedSplitOptions {
  /** Fraction of each class held out for testing, in (0, 1). */
  testFraction: number;
  /** Base seed; class c is shuffled with deriveSeed(seed, 'stratified-split', c). */
  seed: number;
}

export function stratifiedSplit(rows: readonly FoldRow[], options: StratifiedSplitOptions): FoldDefinition {
  requireRows(rows, 'stratifiedSplit');
  const f = options.testFraction;
  if (!(f > 0 && f < 1)) {
    throw new InputError({ field: 'folds.testFraction', reason: 'test fraction must be between 0 and 1 (exclusive)', actual: f, expected: '(0, 1)', fix: 'use e.g. 0.2' });
  }
  const byLabel = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const list = byLabel.get(r.label) ?? [];
    list.push(i);
    byLabel.set(r.label, list);
  });
  const test: number[] = [];
  for (const label of [...byLabel.keys()].sort()) {
    const indices = new Rng(deriveSeed(options.seed, 'stratified-split', label)).shuffle([...(byLabel.get(label) as number[])]);
    const nTest = Math.min(Math.round(indices.length * f), indices.length - 1);
    test.push(...indices.slice(0, nTest));
  }
  const testSet = new Set(test);
  const testIndices = [...testSet].sort((a, b) => a - b);
  const trainIndices = rows.map((_, i) => i).filter((i) => !testSet.has(i));
  return checkFold({ name: 'stratified-split', trainIndices, testIndices, testSpeakers: speakersOf(rows, testIndices) }, rows);
}
