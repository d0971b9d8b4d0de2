/**
 * Shapes at the config boundary: an extractor declares the shape of its rows, a classifier the
 * shape it takes, an augmentation the shapes it augments (compute/features/feature-spec.ts,
 * CLASSIFIER_TRAITS, shapesAugmentedBy). The experiment schema refuses a cell whose parts
 * disagree, naming both; `serflow run` then exits 2 before it contacts any server or writes any
 * state.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { ExitCode } from '../../../cli/exit-codes';
import { experimentSchema, type ExperimentConfigInput } from '../../../configs/schema/experiment';
import { emodbWav } from '../../support/emodb-subset';
import { useScratchFolder } from '../../support/scratch-folder';

const scratch = useScratchFolder('serflow-feature-shapes-');
const repo = resolve(__dirname, '..', '..', '..');

function config(overrides: Partial<ExperimentConfigInput>): ExperimentConfigInput {
  return {
    name: 'shapes',
    corpus: { kind: 'emodb', path: emodbWav },
    features: { extractor: 'logmel' },
    protocol: { folds: { kind: 'loso' }, repeats: 1, seed: 1 },
    methods: ['none'],
    classifiers: ['acrnn'],
    ...overrides,
  };
}

function issues(input: ExperimentConfigInput): { path: string; message: string }[] {
  const parsed = experimentSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('the experiment schema and feature shapes', () => {
  it('accepts log-Mel sequences for the ACRNN, with Chen et al.\'s defaults on both', () => {
    const parsed = experimentSchema.parse(config({}));
    assert.equal(parsed.features.extractor, 'logmel');
    assert.deepEqual(parsed.features.extractor === 'logmel' && [parsed.features.bands, parsed.features.windowMs, parsed.features.hopMs], [40, 25, 10]);
    assert.equal(parsed.acrnn.channels, 3);
    assert.equal(parsed.acrnn.segmentFrames, 300);
    assert.deepEqual(parsed.acrnn.convMaps, [128, 256, 256, 256, 256]);
  });

  it('refuses a vector classifier on sequences, naming the classifier and the extractor', () => {
    const found = issues(config({ classifiers: ['acrnn', 'svm'] }));
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]?.path, 'classifiers.1');
    assert.match(found[0]?.message ?? '', /classifier svm takes vector rows, and features\.extractor logmel gives sequence rows/);
  });

  it('refuses a sequence classifier on feature vectors', () => {
    const found = issues(config({ features: { extractor: 'opensmile', set: 'emobase' }, classifiers: ['dnn', 'acrnn'] }));
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]?.path, 'classifiers.1');
    assert.match(found[0]?.message ?? '', /classifier acrnn takes sequence rows, and features\.extractor opensmile gives vector rows/);
  });

  it('refuses a feature-vector augmentation in a sequence classifier\'s cells, naming the method and the classifier', () => {
    const found = issues(config({ methods: ['none', 'smote', { method: 'cyclegan', loss: 'wdiv' }] }));
    assert.deepEqual(found.map((i) => i.path), ['methods.1', 'methods.2']);
    assert.match(found[0]?.message ?? '', /method smote augments feature vectors, and classifier acrnn takes sequences: run acrnn with methods \[none\]/);
    assert.match(found[1]?.message ?? '', /method cyclegan augments feature vectors, and classifier acrnn takes sequences/);
  });
});

describe('serflow run on a config whose shapes disagree', () => {
  it('exits 2 naming the file, the field and both parts, before contacting a server or writing state', { skip: existsSync(emodbWav) ? false : `no EMO-DB at ${emodbWav}` }, () => {
    const file = join(scratch.path, 'mixed.yaml');
    writeFileSync(file, stringify(config({ classifiers: ['svm', 'acrnn'] })));
    const state = join(scratch.path, 'state');
    // Addresses nobody listens on: a launch would fail with another exit code (stack unavailable).
    const res = spawnSync(join(repo, 'bin', 'serflow'), ['run', file], {
      env: { ...process.env, SERFLOW_STATE: state, TEMPORAL_ADDRESS: '127.0.0.1:1', MLFLOW_TRACKING_URI: 'http://127.0.0.1:1' },
      encoding: 'utf8', timeout: 120_000,
    });
    assert.equal(res.status, ExitCode.badInput, res.stderr);
    assert.match(res.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: classifiers\\.0: classifier svm takes vector rows, and features\\.extractor logmel gives sequence rows`));
    // The log folder is made as the command starts; no store, no run registry, no worker state.
    const written = existsSync(state) ? readdirSync(state).filter((f) => f !== 'logs') : [];
    assert.deepEqual(written, [], `nothing launched: state folder ${state} holds ${written.join(', ')}`);
  });
});
