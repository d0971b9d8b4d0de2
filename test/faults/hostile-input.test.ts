/**
 * Hostile and odd input: config values that are huge, negative, NaN, infinite or of the wrong
 * type; names that try to leave the artifact store; absurd sweep sizes; WAV files whose headers
 * lie, fed through the feature-extraction activity. Each gets a precise error (the file, the
 * field path, the reason) and nothing outside the store is written.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createFeatureActivities, type FeatureRef } from '../../activities/feature-activities';
import { decodeWav } from '../../compute/audio/wav';
import { readManifest } from '../../compute/corpus/manifest';
import { InputError } from '../../foundation/errors';
import { loadExperimentConfig } from '../../configs/load/experiment-config';
import { loadSweepConfig } from '../../configs/load/sweep-config';
import { logger } from '../../logging/logger';
import { LocalFolderStore } from '../../store/local-folder-store';
import { MlflowClient } from '../../tracking/mlflow-client';
import { assertValidArtifactPath } from '../../tracking/mlflow-keys';
import { RunRegistry } from '../../tracking/run-registry';
import { emodbWavDir } from '../support/test-stack';
import { installation } from '../../composition/runtime-deps';

const BASE = [
  'name: hostile', 'corpus: { kind: manifest, path: manifest.csv }', 'features: { extractor: opensmile, set: eGeMAPSv02 }',
  'methods: [none]', 'classifiers: [svm]',
];

function sandbox(): string {
  return mkdtempSync(join(tmpdir(), 'serflow-hostile-'));
}

/** Every file and folder under `dir`, relative to it. */
function listTree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((p) => p.split('\\').join('/')).sort();
}

function inputErrorOf(work: () => unknown, what = ''): InputError {
  try {
    work();
  } catch (err) {
    assert.ok(err instanceof InputError, `${what}: an InputError, got ${String(err)}`);
    return err;
  }
  assert.fail(`${what}: no error was thrown`);
}

async function rejectsWithInputError(work: () => Promise<unknown>): Promise<InputError> {
  try {
    await work();
  } catch (err) {
    assert.ok(err instanceof InputError, `an InputError, got ${String(err)}`);
    return err;
  }
  assert.fail('no error was thrown');
}

test('experiment config values that are huge, negative, NaN, infinite or of the wrong type: one error naming the file and each field path', () => {
  const dir = sandbox();
  const cases: [yaml: string, path: string, reason: RegExp][] = [
    ['protocol: { repeats: 1000000000000 }', 'protocol.repeats', /<=100/],
    ['protocol: { seed: 0 }', 'protocol.seed', />=1/],
    ['protocol: { seed: seven }', 'protocol.seed', /expected number/],
    ['protocol: { folds: { kind: grouped-kfold, k: -3 } }', 'protocol.folds.k', />=2/],
    ['noise: { sigma: -0.5 }', 'noise.sigma', />=0/],
    ['noise: { sigma: .nan }', 'noise.sigma', /expected number, received NaN/],
    ['svm: { C: .inf }', 'svm.C', /number/i],
    ['gan: { lambdaCls: -1 }', 'gan.lambdaCls', />=0/],
    ['gan: { hidden: [1000000000] }', 'gan.hidden.0', /<=/],
    ['dnn: { hidden: [64, 1000000000] }', 'dnn.hidden.1', /<=/],
    ['gan: { epochs: 1.5 }', 'gan.epochs', /int/i],
    ['amounts: [1e300]', 'amounts.0', /<=100|Invalid input/],
    ['classifiers: svm', 'classifiers', /expected array/],
    ['smote: { k: "5" }', 'smote.k', /expected number/],
  ];
  for (const [yaml, path, reason] of cases) {
    const file = join(dir, `${path.replace(/\W/g, '-')}.yaml`);
    // The field replaces the base's line of the same top-level key, or is added.
    const top = yaml.split(':')[0] as string;
    writeFileSync(file, [...BASE.filter((l) => !l.startsWith(`${top}:`)), yaml].join('\n'));
    const err = inputErrorOf(() => loadExperimentConfig(file), yaml);
    const line = err.message.split('\n').find((l) => l.startsWith(`${file}: ${path}: `));
    assert.ok(line, `${yaml}: the error names the file and the field path ${path}; got:\n${err.message}`);
    assert.match(line, reason, `${yaml}: the reason`);
  }

  // Every problem of one file at once.
  const file = join(dir, 'many.yaml');
  writeFileSync(file, [...BASE, 'protocol: { repeats: -1, seed: .nan }', 'noise: { sigma: .inf }', 'colour: blue'].join('\n'));
  const err = inputErrorOf(() => loadExperimentConfig(file));
  for (const path of ['protocol.repeats', 'protocol.seed', 'noise.sigma']) assert.match(err.message, new RegExp(`${file}: ${path.replace('.', '\\.')}: `));
  assert.match(err.message, /unknown field\(s\) "colour"/);
});

test('names that try to leave the artifact store or the corpus folder are refused, and nothing is written outside the store', async () => {
  const dir = sandbox();
  const root = join(dir, 'store');
  const store = new LocalFolderStore(root);
  const key = await store.put(Buffer.from('inside'));
  const before = listTree(dir);
  for (const name of ['../../escape', 'memo/../../../escape', '/etc/passwd', 'a\\..\\..\\escape', 'a//b', '.hidden', 'ok/..']) {
    await rejectsWithInputError(() => store.putNamed(name, Buffer.from('x')));
    await rejectsWithInputError(() => store.setName(name, key));
    await rejectsWithInputError(() => store.resolveName(name));
  }
  for (const badKey of ['../../../etc/passwd', `${key}/../x`, key.toUpperCase()]) await rejectsWithInputError(() => store.get(badKey));
  assert.deepEqual(listTree(dir), before, 'no file was created or changed anywhere in the sandbox');

  // MLflow artifact paths (the shared store and run artifacts go through them).
  for (const path of ['../x', 'a/../../b', '/abs', 'a\\b']) inputErrorOf(() => assertValidArtifactPath(path));

  // An experiment name is a workflow id and an MLflow name: no path characters.
  const file = join(dir, 'name.yaml');
  writeFileSync(file, [...BASE.filter((l) => !l.startsWith('name:')), 'name: ../../etc'].join('\n'));
  assert.match(inputErrorOf(() => loadExperimentConfig(file)).message, new RegExp(`${file}: name: `));

  // A manifest row pointing outside its folder names the manifest line.
  const manifest = join(dir, 'manifest.csv');
  writeFileSync(manifest, 'path,label,speaker\n../../etc/passwd,anger,03\n');
  const err = await rejectsWithInputError(() => readManifest(manifest));
  assert.match(err.message, /manifest\.csv:2/);
  assert.match(err.message, /leaves the manifest's folder/);
});

test('absurd sweep sizes are refused with the computed size before anything is expanded', () => {
  const dir = sandbox();
  writeFileSync(join(dir, 'base.yaml'), BASE.join('\n'));
  const values = (n: number) => `[${Array.from({ length: n }, (_, i) => (i + 1) / 1000).join(', ')}]`;
  const grid = join(dir, 'grid.yaml');
  writeFileSync(grid, ['name: huge', 'base: base.yaml', `search: { kind: grid, space: { svm.C: ${values(1000)}, noise.sigma: ${values(1000)}, gan.lambdaCls: ${values(1000)}, gan.lambdaCyc: ${values(1000)} } }`].join('\n'));
  const t0 = Date.now();
  const err = inputErrorOf(() => loadSweepConfig(grid));
  assert.ok(Date.now() - t0 < 5_000, 'refused at once, without expanding 10^12 points');
  assert.match(err.message, /1000000000000 configurations, more than maxConfigurations \(256\)/);
  assert.match(err.message, /grid\.yaml/);

  const random = join(dir, 'random.yaml');
  writeFileSync(random, ['name: many', 'base: base.yaml', 'search: { kind: random, trials: 1000000000, seed: 3, space: { svm.C: { logUniform: [0.01, 10] } } }'].join('\n'));
  assert.match(inputErrorOf(() => loadSweepConfig(random)).message, /1000000000 configurations, more than maxConfigurations/);

  const raised = join(dir, 'raised.yaml');
  writeFileSync(raised, ['name: raised', 'base: base.yaml', 'maxConfigurations: 100000000', 'search: { kind: grid, space: { svm.C: [1] } }'].join('\n'));
  assert.match(inputErrorOf(() => loadSweepConfig(raised)).message, /raised\.yaml: maxConfigurations: /);
});

/** A PCM WAV header followed by `data`, with any field overridden (the lies). */
function wav(o: { riff?: string; wave?: string; fmtSize?: number; format?: number; channels?: number; rate?: number; bits?: number; dataSize?: number; data?: Buffer } = {}): Buffer {
  const data = o.data ?? Buffer.from(Int16Array.from({ length: 16_000 }, (_, i) => Math.round(8000 * Math.sin(i / 7))).buffer);
  const channels = o.channels ?? 1;
  const rate = o.rate ?? 16_000;
  const bits = o.bits ?? 16;
  const h = Buffer.alloc(44);
  h.write(o.riff ?? 'RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write(o.wave ?? 'WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(o.fmtSize ?? 16, 16);
  h.writeUInt16LE(o.format ?? 1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE((rate * channels * bits) / 8, 28);
  h.writeUInt16LE((channels * bits) / 8, 32);
  h.writeUInt16LE(bits, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(o.dataSize ?? data.length, 40);
  return Buffer.concat([h, data]);
}

const LYING_WAVS: Record<string, Buffer> = {
  'data-size-1gb.wav': wav({ dataSize: 1 << 30 }),
  'no-riff.wav': wav({ riff: 'RIFX' }),
  'not-wave.wav': wav({ wave: 'AVI ' }),
  'zero-channels.wav': wav({ channels: 0 }),
  'zero-rate.wav': wav({ rate: 0 }),
  'bits-13.wav': wav({ bits: 13 }),
  'format-mp3.wav': wav({ format: 0x55 }),
  'fmt-size-huge.wav': wav({ fmtSize: 0x7fffffff }),
  'header-only.wav': wav({ data: Buffer.alloc(0), dataSize: 0 }),
  'text.wav': Buffer.from('this is not audio at all\n'),
};

test('WAV files whose headers lie are InputErrors naming the file, and the extraction activity reports each one and writes only into its store and scratch folder', { timeout: 120_000 }, async () => {
  for (const [name, bytes] of Object.entries(LYING_WAVS)) {
    const err = inputErrorOf(() => decodeWav(bytes, name));
    assert.match(err.message, new RegExp(name.replace('.', '\\.')), `${name}: the error names the file`);
  }

  // Through the activity: two good EMO-DB files per class and speaker pair, and the liars, with onError 'skip'.
  const dir = sandbox();
  const corpus = join(dir, 'corpus');
  mkdirSync(join(corpus, 'wav'), { recursive: true });
  const good = readdirSync(emodbWavDir).filter((f) => /^(03|08)a01[WN]/.test(f)).sort().slice(0, 4);
  assert.equal(good.length, 4);
  for (const f of good) symlinkSync(join(emodbWavDir, f), join(corpus, 'wav', f));
  for (const [name, bytes] of Object.entries(LYING_WAVS)) writeFileSync(join(corpus, 'wav', name), bytes);
  const rows = [...good.map((f) => `wav/${f},${f[5] === 'W' ? 'anger' : 'neutral'},${f.slice(0, 2)}`), ...Object.keys(LYING_WAVS).map((n) => `wav/${n},anger,03`)];
  writeFileSync(join(corpus, 'manifest.csv'), ['path,label,speaker', ...rows].join('\n') + '\n');
  const before = listTree(dir);
  const mlflow = new MlflowClient({ baseUrl: 'http://127.0.0.1:9' });
  const activities = createFeatureActivities({ logger, mlflow, runs: new RunRegistry(mlflow), store: new LocalFolderStore(join(dir, 'store')), workDir: join(dir, 'work'), installation });
  const env = new MockActivityEnvironment();

  const failing = { corpus: { kind: 'manifest' as const, path: 'manifest.csv' }, features: { extractor: 'opensmile' as const, set: 'eGeMAPSv02', onError: 'fail' as const }, configDir: corpus };
  const failure = await env.run(activities.extractFeatures, failing).then(() => undefined, (err: unknown) => err as Error);
  assert.ok(failure, 'onError fail: the first lying file fails the activity');
  assert.equal((failure as { type?: string }).type, 'InputError', 'as a non-retryable InputError');
  assert.match(failure.message, /\.wav/);

  const ref: FeatureRef = await env.run(activities.extractFeatures, { ...failing, features: { ...failing.features, onError: 'skip' as const } });
  assert.equal(ref.rows, good.length, 'only the good files are rows');
  assert.deepEqual(ref.skipped.map((s) => s.file).sort(), Object.keys(LYING_WAVS).map((n) => `wav/${n}`).sort(), 'every lying file is reported');
  for (const s of ref.skipped) assert.match(s.reason, new RegExp(s.file.replace('.', '\\.')), `${s.file}: the reason names the file`);
  const added = listTree(dir).filter((p) => !before.includes(p));
  const outside = added.filter((p) => !p.startsWith('store') && !p.startsWith('work'));
  assert.deepEqual(outside, [], 'nothing written outside the store and the scratch folder');
});
