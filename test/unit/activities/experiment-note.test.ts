/**
 * The parent run's description (activities/experiment-note.ts): the config in a few lines, then
 * the results in place of the pending line, within MLflow's 8000 characters.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { experimentNote, noteWithResults } from '../../../activities/experiment-note';
import { experimentSchema } from '../../../configs/schema/experiment';
import { MAX_TAG_VALUE_LENGTH } from '../../../tracking/mlflow-keys';

const config = experimentSchema.parse({
  name: 'quick', description: 'small', corpus: { kind: 'emodb', path: 'wav', emotions: ['anger', 'neutral'] },
  features: { extractor: 'opensmile', set: 'eGeMAPSv02' }, methods: ['none', { method: 'cyclegan', loss: 'wdiv' }], classifiers: ['svm'],
});

test('the note states corpus, features, protocol, methods and swept values, then the results replace its pending line', () => {
  const note = experimentNote(config, { id: 'lambda-sigma-1', values: { 'gan.lambdaCls': 2 } });
  assert.match(note, /^\*\*quick\*\*: small/);
  assert.match(note, /\| corpus \| emodb `wav` \(anger, neutral\) \|/);
  assert.match(note, /\| features \| openSMILE eGeMAPSv02 \|/);
  assert.match(note, /\| methods \| none, cyclegan-wdiv \|/);
  assert.match(note, /\| sweep \| lambda-sigma-1: gan\.lambdaCls = 2 \|/);
  assert.match(note, /Running/);
  const done = noteWithResults(note, ['| method | UAR % |\n|---|---|\n| none | 50 |', 'comparisons']);
  assert.doesNotMatch(done, /Running/);
  assert.match(done, /## Results\n\n\| method \| UAR % \|[\s\S]*comparisons\n$/);
});

test('a note too long for MLflow drops the later sections first, then is cut', () => {
  const note = experimentNote(config);
  const long = noteWithResults(note, ['table', 'x'.repeat(MAX_TAG_VALUE_LENGTH)]);
  assert.ok(long.length <= MAX_TAG_VALUE_LENGTH);
  assert.match(long, /table/);
  assert.match(long, /More in the run's artifacts/);
  assert.ok(noteWithResults(note, ['y'.repeat(2 * MAX_TAG_VALUE_LENGTH)]).length <= MAX_TAG_VALUE_LENGTH);
});
