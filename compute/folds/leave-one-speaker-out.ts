/**
 * Leave-one-speaker-out: one fold per speaker, tested on that speaker and trained on all others
 * (10 folds on EMO-DB). The speaker-independent protocol serflow reports by default.
 */
import { checkFold, requireRows, type FoldDefinition, type FoldRow } from './fold-definition';

export function leaveOneSpeakerOut(rows: readonly FoldRow[]): FoldDefinition[] {
  requireRows(rows, 'leaveOneSpeakerOut');
  const speakers = [...new Set(rows.map((r) => r.speaker))].sort();
  return speakers.map((speaker) => {
    const trainIndices: number[] = [];
    const testIndices: number[] = [];
    rows.forEach((r, i) => (r.speaker === speaker ? testIndices : trainIndices).push(i));
    return checkFold({ name: `speaker-${speaker}`, trainIndices, testIndices, testSpeakers: [speaker] }, rows);
  });
}
