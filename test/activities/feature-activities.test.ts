/**
 * The feature activities (activities/feature-activities.ts) alone, in @temporalio/testing's
 * MockActivityEnvironment: no Temporal server, no MLflow. The store is a real LocalFolderStore in
 * a scratch folder and the extraction runs the real SMILExtract over a dozen EMO-DB files, so
 * what is checked is the adapter's contract: references out (keys, small fold lists), heartbeats
 * of files done, the memo, cancellation, the resume of a retried attempt, and bad input mapped
 * to a non-retryable failure.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import type { ActivityDeps } from '../../activities/activity-deps';
import { createFeatureActivities, type ExtractFeaturesInput } from '../../activities/feature-activities';
import { installation } from '../../composition/runtime-deps';
import { resample } from '../../compute/audio/resample';
import { encodeWavPcm16, readWav } from '../../compute/audio/wav';
import { parseEmodbFileName } from '../../compute/corpus/emodb';
import type { FeatureMatrix } from '../../compute/features/feature-matrix';
import { encodeFeatureMatrix } from '../../compute/features/matrix-codec';
import { protocolSchema } from '../../configs/schema/experiment';
import { LocalFolderStore } from '../../store/local-folder-store';
import { loadFeatureMatrix } from '../../store/feature-matrix-cache';
import { loadFolds } from '../../store/fold-store';
import { MlflowClient } from '../../tracking/mlflow-client';
import { RunRegistry } from '../../tracking/run-registry';
import { linkEmodbSubset } from '../support/emodb-subset';
import { useScratchFolder } from '../support/scratch-folder';

const scratch = useScratchFolder('serflow-feature-activities-');

/** Activities over a store and scratch folder of their own; MLflow is never called by these two. */
function featureActivities(name: string) {
  const root = join(scratch.path, name);
  const unreachable = new MlflowClient({ baseUrl: 'http://127.0.0.1:9' });
  const deps: ActivityDeps = {
    logger: pino({ level: 'silent' }), mlflow: unreachable, runs: new RunRegistry(unreachable),
    store: new LocalFolderStore(join(root, 'store')), workDir: join(root, 'work'), installation,
  };
  return { ...createFeatureActivities(deps), deps, root };
}

/** An activity context; the SDK's own log of the failures provoked here is kept to errors. */
function mockEnv(attempt = 1): MockActivityEnvironment {
  return new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR') });
}

/** MockActivityEnvironment.run, typed: its own signature infers the result as unknown. */
function run<A extends unknown[], R>(env: MockActivityEnvironment, fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return env.run(fn, ...args) as Promise<R>;
}

/** Three speakers x two classes x two rows, four columns; row i's values are i, i+0.25, ... */
function syntheticMatrix(): FeatureMatrix {
  const meta = ['03', '08', '09'].flatMap((speaker) => ['anger', 'neutral'].flatMap((label) => [0, 1].map((n) => ({ file: `${speaker}-${label}-${n}.wav`, label, speaker }))));
  const cols = 4;
  return {
    rows: meta.length, cols, columns: ['a', 'b', 'c', 'd'], meta,
    data: Float32Array.from({ length: meta.length * cols }, (_, i) => Math.floor(i / cols) + (i % cols) / 4),
  };
}

test('prepareFolds stores leave-one-speaker-out folds of a stored matrix and returns their key and sizes', async () => {
  const acts = featureActivities('folds');
  const matrix = syntheticMatrix();
  const featureKey = await acts.deps.store.put(encodeFeatureMatrix(matrix), { label: 'features test' });
  const env = mockEnv();
  const protocol = protocolSchema.parse({ folds: { kind: 'loso' } });

  const ref = await run(env, acts.prepareFolds, { featureKey, protocol });
  assert.deepEqual(ref.folds.map((f) => f.testSpeakers), [['03'], ['08'], ['09']]);
  assert.ok(ref.folds.every((f) => f.testRows === 4 && f.trainRows === 8), JSON.stringify(ref.folds));

  const stored = await loadFolds(acts.deps.store, ref.foldsKey);
  for (const fold of stored) {
    const speaker = fold.testSpeakers[0];
    assert.deepEqual([...fold.testIndices].sort((a, b) => a - b), matrix.meta.flatMap((m, i) => (m.speaker === speaker ? [i] : [])));
    assert.deepEqual([...fold.trainIndices, ...fold.testIndices].sort((a, b) => a - b), matrix.meta.map((_, i) => i), 'train and test partition the rows');
  }

  const again = await run(env, acts.prepareFolds, { featureKey, protocol });
  assert.equal(again.foldsKey, ref.foldsKey, 'the same folds, the same content-addressed key');
  const firstTwo = await run(env, acts.prepareFolds, { featureKey, protocol: { ...protocol, maxFolds: 2 } });
  assert.deepEqual(firstTwo.folds, ref.folds.slice(0, 2));
});

/** Twelve utterances: two speakers, anger and neutral, three each. */
function corpusInput(root: string): ExtractFeaturesInput {
  const wav = join(root, 'wav');
  linkEmodbSubset(wav, { speakers: ['03', '08'], emotionLetters: ['W', 'N'], perClass: 3 });
  return {
    corpus: { kind: 'emodb', path: 'wav', emotions: ['anger', 'neutral'] },
    features: { extractor: 'opensmile', set: 'eGeMAPSv02', onError: 'fail' },
    configDir: root,
  };
}

type Progress = { filesDone: number; total: number };

test('extractFeatures heartbeats files done, stores the matrix by reference, and is a memo hit the second time', async () => {
  const acts = featureActivities('extract');
  const input = corpusInput(acts.root);
  const env = mockEnv();
  const beats: Progress[] = [];
  env.on('heartbeat', (d: Progress) => beats.push(d));

  const ref = await run(env, acts.extractFeatures, input);
  assert.equal(ref.rows, 12);
  assert.equal(ref.cols, 88);
  assert.deepEqual(ref.classes, ['anger', 'neutral']);
  assert.deepEqual(ref.speakers, ['03', '08']);
  assert.equal(ref.extractor, 'opensmile:eGeMAPSv02');
  assert.deepEqual(ref.skipped, []);
  assert.equal(ref.memoHit, false);
  assert.ok(await acts.deps.store.has(ref.featureKey), 'the matrix is in the store');

  assert.ok(beats.length >= 1, 'heartbeats while extracting');
  assert.ok(beats.every((b) => b.total === 12), JSON.stringify(beats));
  assert.deepEqual(beats.map((b) => b.filesDone), [...beats.map((b) => b.filesDone)].sort((a, b) => a - b), 'files done only grow');
  assert.equal(beats.at(-1)?.filesDone, 12);

  const again = mockEnv();
  const beatsAgain: Progress[] = [];
  again.on('heartbeat', (d: Progress) => beatsAgain.push(d));
  const memo = await run(again, acts.extractFeatures, input);
  assert.equal(memo.memoHit, true);
  assert.equal(memo.featureKey, ref.featureKey);
  assert.deepEqual(beatsAgain, [], 'nothing extracted again');
});

test('a cancelled extraction stops, and the retried attempt extracts only the files still missing, to the same matrix', async () => {
  const straight = featureActivities('straight');
  const expected = await run(mockEnv(), straight.extractFeatures, corpusInput(straight.root));

  const acts = featureActivities('cancelled');
  const input = corpusInput(acts.root);
  const first = mockEnv(1);
  first.on('heartbeat', (d: Progress) => {
    if (d.filesDone >= 4) first.cancel();
  });
  await assert.rejects(run(first, acts.extractFeatures, input), CancelledFailure);
  const partial = readdirSync(join(acts.root, 'work', 'partial-features')).map((f) => join(acts.root, 'work', 'partial-features', f));
  assert.equal(partial.length, 1, 'the finished rows are kept in the scratch folder');
  const kept = readFileSync(partial[0] as string, 'utf8').split('\n').filter(Boolean).length;
  assert.ok(kept >= 4 && kept < 12, `rows kept by the cancelled attempt: ${kept}`);

  const retry = mockEnv(2);
  const beats: Progress[] = [];
  retry.on('heartbeat', (d: Progress) => beats.push(d));
  const ref = await run(retry, acts.extractFeatures, input);
  assert.ok((beats[0]?.filesDone ?? 0) > kept, `the retry starts after the ${kept} kept files: ${JSON.stringify(beats)}`);
  assert.equal(beats.length, 12 - kept, 'one heartbeat per file still missing');
  assert.equal(ref.featureKey, expected.featureKey, 'the same matrix as an uninterrupted extraction');
  assert.deepEqual(readdirSync(join(acts.root, 'work', 'partial-features')), [], 'the partial file is removed once stored');
});

test('a partial file in which two extractions at once appended the same files (one scratch folder) resumes to the same matrix', async () => {
  const straight = featureActivities('straight-twice');
  const expected = await run(mockEnv(), straight.extractFeatures, corpusInput(straight.root));

  const acts = featureActivities('twice');
  const input = corpusInput(acts.root);
  const first = mockEnv(1);
  first.on('heartbeat', (d: Progress) => {
    if (d.filesDone >= 4) first.cancel();
  });
  await assert.rejects(run(first, acts.extractFeatures, input), CancelledFailure);
  const [partial] = readdirSync(join(acts.root, 'work', 'partial-features')).map((f) => join(acts.root, 'work', 'partial-features', f));
  // What a second extraction of the same features, running at the same time, leaves: its rows of the same files.
  appendFileSync(partial as string, readFileSync(partial as string, 'utf8'));
  const ref = await run(mockEnv(2), acts.extractFeatures, input);
  assert.equal(ref.featureKey, expected.featureKey, 'each file once, the same matrix as an uninterrupted extraction');
});

/**
 * A manifest corpus as real corpora ship it: EMO-DB utterances rewritten at 48 kHz stereo,
 * 44.1 kHz mono, 44.1 kHz stereo and left at 16 kHz mono, two of each. Both channels carry the
 * utterance, so the downmix is the utterance itself and only the resampling round trip differs.
 */
async function mixedFormatCorpus(root: string): Promise<{ input: ExtractFeaturesInput; original: ExtractFeaturesInput }> {
  const originals = join(root, 'original');
  const names = linkEmodbSubset(originals, { speakers: ['03', '08'], emotionLetters: ['W', 'N'], perClass: 2 });
  const formats = [{ rate: 48000, channels: 2 }, { rate: 44100, channels: 1 }, { rate: 44100, channels: 2 }, { rate: 16000, channels: 1 }];
  const corpus = join(root, 'mixed');
  mkdirSync(corpus, { recursive: true });
  const rows = ['path,label,speaker'];
  for (const [i, name] of names.entries()) {
    const { rate, channels } = formats[i % formats.length] as { rate: number; channels: number };
    const audio = await readWav(join(originals, name));
    const samples = resample(audio.samples, audio.sampleRate, rate);
    writeFileSync(join(corpus, name), encodeWavPcm16(Array.from({ length: channels }, () => samples), rate));
    rows.push(`${name},${parseEmodbFileName(name).emotion},${name.slice(0, 2)}`);
  }
  writeFileSync(join(corpus, 'manifest.csv'), rows.join('\n') + '\n');
  writeFileSync(join(originals, 'manifest.csv'), rows.join('\n') + '\n');
  const features = { extractor: 'opensmile', set: 'eGeMAPSv02', onError: 'fail' } as const;
  return {
    input: { corpus: { kind: 'manifest', path: 'mixed/manifest.csv' }, features, configDir: root },
    original: { corpus: { kind: 'manifest', path: 'original/manifest.csv' }, features, configDir: root },
  };
}

test('a manifest corpus of 48 and 44.1 kHz files, some stereo, is extracted at 16 kHz mono, and what was done is reported once', async () => {
  const acts = featureActivities('mixed-formats');
  const { input, original } = await mixedFormatCorpus(acts.root);
  const ref = await run(mockEnv(), acts.extractFeatures, input);
  assert.equal(ref.rows, 8);
  assert.equal(ref.cols, 88);
  assert.deepEqual(ref.skipped, []);
  assert.ok(ref.audio, 'an openSMILE extraction reports what it did to the audio');
  assert.deepEqual({ files: ref.audio.files, resampled: ref.audio.resampled, downmixed: ref.audio.downmixed, reencoded: ref.audio.reencoded }, { files: 8, resampled: 6, downmixed: 4, reencoded: 0 });
  assert.equal(ref.audio.text, '8 files to 16000 Hz mono 16-bit PCM before SMILExtract: 6 resampled (from 44100 Hz: 4, 48000 Hz: 2); 4 downmixed to mono by averaging the channels (2 ch: 4)');

  // The converted files give the features of the 16 kHz originals, up to the resampling round trip.
  const reference = await run(mockEnv(), acts.extractFeatures, original);
  assert.equal(reference.audio?.text, 'none: all 8 files are 16000 Hz mono 16-bit PCM already');
  const [got, want] = await Promise.all([loadFeatureMatrix(acts.deps.store, ref.featureKey), loadFeatureMatrix(acts.deps.store, reference.featureKey)]);
  const medians = got.meta.map((meta, r) => {
    const relative = Array.from(got.data.subarray(r * got.cols, (r + 1) * got.cols), (v, c) => {
      const w = want.data[r * want.cols + c] as number;
      return Math.abs(v - w) / (Math.abs(w) + 1e-3);
    }).sort((a, b) => a - b);
    return `${meta.file} ${(relative[relative.length >> 1] as number).toExponential(1)}`;
  });
  assert.deepEqual(got.meta, want.meta);
  assert.ok(medians.every((m) => Number(m.split(' ')[1]) < 0.01), `median relative difference per file to its 16 kHz original: ${medians.join(', ')}`);

  const memo = await run(mockEnv(), acts.extractFeatures, input);
  assert.equal(memo.memoHit, true);
  assert.deepEqual(memo.audio, ref.audio, 'a memo hit reports the same preparation');
});

test('a corpus folder that does not exist is bad input: a non-retryable InputError naming the folder', async () => {
  const acts = featureActivities('missing');
  const input: ExtractFeaturesInput = {
    corpus: { kind: 'emodb', path: 'no-such-folder', emotions: ['anger', 'neutral'] },
    features: { extractor: 'opensmile', set: 'eGeMAPSv02', onError: 'fail' },
    configDir: acts.root,
  };
  await assert.rejects(run(mockEnv(), acts.extractFeatures, input), (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.type, 'InputError');
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /no-such-folder.*does not exist/);
    return true;
  });
});

test('an input artifact the store does not hold fails at once: a non-retryable ArtifactNotFoundError naming the store, the key and the fix', async () => {
  const acts = featureActivities('absent-input');
  const featureKey = 'f'.repeat(64);
  const protocol = protocolSchema.parse({ folds: { kind: 'loso' } });
  await assert.rejects(run(mockEnv(), acts.prepareFolds, { featureKey, protocol }), (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.type, 'ArtifactNotFoundError');
    assert.equal(err.nonRetryable, true, 'no retry can bring it back: the activity that made it has finished');
    assert.match(err.message, new RegExp(`local artifact store ${acts.root}/store: no artifact ${featureKey}`));
    assert.match(err.message, /Fix: `serflow resume/);
    return true;
  });
});
