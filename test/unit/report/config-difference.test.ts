// What differs between two recorded configs (report/config-difference.ts), as `serflow compare`
// lists it: changed leaves by dotted path, key order no difference, the fields that only name a
// run left out, lists of plain values as one value, lists of objects walked by index.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configDifferences, formatConfigValue, withCurrentDefaults } from '../../../report/config-difference';
import { experimentSchema, type ExperimentConfigInput } from '../../../configs/schema/experiment';

const base: ExperimentConfigInput = {
  name: 'a', corpus: { kind: 'emodb', path: 'wav' }, features: { extractor: 'opensmile', set: 'eGeMAPSv02' },
  protocol: { repeats: 2, seed: 7 }, methods: ['none', 'smote'], amounts: [1], classifiers: ['svm'], svm: { C: 1 },
};
/** A config as openExperiment records it: parsed, then JSON. */
const recorded = (overrides: Partial<ExperimentConfigInput>): unknown => JSON.parse(JSON.stringify(experimentSchema.parse({ ...base, ...overrides })));

test('two recorded configs differ in the changed leaves only, by dotted path; the run\'s name and description are not compared', () => {
  const a = recorded({});
  const b = recorded({ name: 'b', description: 'rerun', svm: { C: 4 }, features: { extractor: 'opensmile', set: 'emobase' } });
  assert.deepEqual(configDifferences(a, b), [
    { path: 'features.set', a: 'eGeMAPSv02', b: 'emobase' },
    { path: 'svm.C', a: 1, b: 4 },
  ]);
  assert.deepEqual(configDifferences(a, JSON.parse(JSON.stringify(a))), [], 'a config does not differ from itself');
  // Key order is no difference.
  assert.deepEqual(configDifferences({ x: 1, y: { p: 1, q: 2 } }, { y: { q: 2, p: 1 }, x: 1 }), []);
});

test('a list of plain values is one value; a list of objects of the same length is walked by index; a field only one has is absent in the other', () => {
  const a = recorded({});
  const b = recorded({ classifiers: ['svm', 'dnn'], methods: ['none', { method: 'smote', name: 'smote-k3' }], protocol: { repeats: 2, seed: 7, excludeSpeakers: ['03'] } });
  const d = configDifferences(a, b);
  assert.deepEqual(d.find((x) => x.path === 'classifiers'), { path: 'classifiers', a: ['svm'], b: ['svm', 'dnn'] });
  assert.deepEqual(d.find((x) => x.path === 'methods.1.name'), { path: 'methods.1.name', a: 'smote', b: 'smote-k3' });
  assert.ok(!d.some((x) => x.path.startsWith('methods.0')), 'the unchanged method is not listed');
  const excluded = d.find((x) => x.path === 'protocol.excludeSpeakers');
  assert.deepEqual(excluded, { path: 'protocol.excludeSpeakers', a: undefined, b: ['03'] });
  assert.equal(formatConfigValue(excluded?.a), '(absent)');
  assert.equal(formatConfigValue(excluded?.b), '["03"]');
  assert.equal(formatConfigValue({ b: 1, a: 2 }), '{"a":2,"b":1}', 'keys sorted');
  assert.equal(formatConfigValue('x'.repeat(200), 20).length, 20, 'cut to the width asked for');
  // A method added changes the list's length: one line, not a shifted index per element.
  const added = configDifferences(a, recorded({ methods: ['none', 'smote', 'noise'] }));
  assert.deepEqual(added.map((x) => x.path), ['methods']);
});

test('a block a later serflow records by default is no difference: both configs are read with today\'s defaults', () => {
  const written = { name: 'x', corpus: { kind: 'manifest', path: 'm.csv' }, features: { extractor: 'opensmile', set: 'eGeMAPSv02' }, methods: ['none'], classifiers: ['svm'] };
  const recordedLater = experimentSchema.parse(written) as Record<string, unknown>;
  const recordedEarlier: Record<string, unknown> = { ...recordedLater };
  delete recordedEarlier.gmm;
  assert.ok(configDifferences(recordedEarlier, recordedLater).some((d) => d.path === 'gmm'), 'raw, the missing block reads as a difference');
  assert.deepEqual(configDifferences(withCurrentDefaults(recordedEarlier), withCurrentDefaults(recordedLater)), []);
  assert.deepEqual(withCurrentDefaults({ not: 'a config' }), { not: 'a config' }, 'a config today\'s schema refuses is compared as recorded');
});
