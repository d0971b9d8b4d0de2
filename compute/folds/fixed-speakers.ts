/**
 * One fold with named test speakers: every row of `testSpeakers` tests, every other row trains.
 * A sweep's final run uses it to test its best configuration on the speakers it held out of
 * every trial (workflows/sweep-holdout.ts).
 */
import { InputError } from '../../foundation/errors';
import { checkFold, requireRows, type FoldDefinition, type FoldRow } from './fold-definition';

export function fixedSpeakersFold(rows: readonly FoldRow[], testSpeakers: readonly string[]): FoldDefinition {
  requireRows(rows, 'fixedSpeakersFold');
  const speakers = [...new Set(rows.map((r) => r.speaker))].sort();
  const unknown = testSpeakers.filter((s) => !speakers.includes(s));
  if (unknown.length > 0) {
    throw new InputError({
      field: 'protocol.folds.testSpeakers', reason: `speaker(s) ${unknown.join(', ')} not in the corpus`, fix: `name speakers of the corpus: ${speakers.join(', ')}`,
    });
  }
  const test = new Set(testSpeakers);
  const trainIndices: number[] = [];
  const testIndices: number[] = [];
  rows.forEach((r, i) => (test.has(r.speaker) ? testIndices : trainIndices).push(i));
  const sorted = [...test].sort();
  return checkFold({ name: `speakers-${sorted.join('+')}`, trainIndices, testIndices, testSpeakers: sorted }, rows);
}
