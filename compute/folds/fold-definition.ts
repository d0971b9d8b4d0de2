/**
 * A fold: which rows train and which rows test. Small and JSON-able (row indices into the
 * feature matrix), so it can travel between workflow and activities and be logged as-is.
 */
import { z } from 'zod';
import { InputError } from '../../foundation/errors';

export const foldDefinitionSchema = z.strictObject({
  name: z.string().min(1),
  trainIndices: z.array(z.number().int().nonnegative()),
  testIndices: z.array(z.number().int().nonnegative()),
  testSpeakers: z.array(z.string()),
});

export type FoldDefinition = z.infer<typeof foldDefinitionSchema>;

/** What fold builders need to know about each row. RowMeta from a FeatureMatrix fits. */
export interface FoldRow {
  label: string;
  speaker: string;
}

/**
 * Checks a fold against its rows: both sides non-empty, disjoint, in range, and every test
 * label present in training (a classifier cannot be scored on a class it never saw).
 */
export function checkFold(fold: FoldDefinition, rows: readonly FoldRow[]): FoldDefinition {
  const fail = (reason: string, fix: string): never => {
    throw new InputError({ field: `folds.${fold.name}`, reason, fix });
  };
  if (fold.trainIndices.length === 0) fail('the training side is empty', 'use fewer folds or a corpus with more speakers');
  if (fold.testIndices.length === 0) fail('the test side is empty', 'use fewer folds, or a larger test fraction');
  const train = new Set(fold.trainIndices);
  for (const i of [...fold.trainIndices, ...fold.testIndices]) {
    if (i >= rows.length) fail(`row index ${i} is out of range (${rows.length} rows)`, 'build folds from the same rows as the matrix');
  }
  if (train.size !== fold.trainIndices.length) fail('a training row is listed twice', 'list each row once');
  if (new Set(fold.testIndices).size !== fold.testIndices.length) fail('a test row is listed twice', 'list each row once');
  const overlap = fold.testIndices.find((i) => train.has(i));
  if (overlap !== undefined) fail(`row ${overlap} is both in training and in test`, 'keep train and test disjoint');
  const trainLabels = new Set(fold.trainIndices.map((i) => (rows[i] as FoldRow).label));
  const unseen = [...new Set(fold.testIndices.map((i) => (rows[i] as FoldRow).label))].filter((l) => !trainLabels.has(l)).sort();
  if (unseen.length > 0) {
    fail(`test label(s) ${unseen.join(', ')} never seen in training`, 'drop those labels from the corpus, or choose folds where every class has training speakers');
  }
  return fold;
}

/** Sorted unique speakers of the given rows. */
export function speakersOf(rows: readonly FoldRow[], indices: readonly number[]): string[] {
  return [...new Set(indices.map((i) => (rows[i] as FoldRow).speaker))].sort();
}

export function requireRows(rows: readonly FoldRow[], what: string): void {
  if (rows.length === 0) throw new InputError({ field: what, reason: 'no rows to split', fix: 'check that the corpus is not empty' });
  rows.forEach((r, i) => {
    if (r.speaker === '') throw new InputError({ field: `${what}.rows[${i}].speaker`, reason: 'row has no speaker', fix: 'give every corpus entry a speaker id' });
    if (r.label === '') throw new InputError({ field: `${what}.rows[${i}].label`, reason: 'row has no label', fix: 'give every corpus entry a label' });
  });
}
