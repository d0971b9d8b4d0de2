/**
 * A small but complete experiment for integration tests: four EMO-DB speakers, three emotions,
 * eGeMAPSv02, two LOSO folds, and tiny networks, so that the whole pipeline (features, GANs,
 * evaluations, tracking) runs in well under a minute.
 */
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hashOf } from '../../configs/canonical-json';
import { experimentSchema, type ExperimentConfig, type ExperimentConfigInput } from '../../configs/schema/experiment';
import { emodbWavDir } from './test-stack';

const SPEAKERS = ['03', '08', '09', '10'];
const EMOTIONS: Record<string, string> = { W: 'anger', T: 'sadness', N: 'neutral' };

/** A CSV manifest over a subset of EMO-DB; returns its folder. */
export function writeTinyManifest(): string {
  const dir = mkdtempSync(join(tmpdir(), 'serflow-corpus-'));
  const wav = resolve(emodbWavDir);
  mkdirSync(join(dir, 'wav'));
  const files = readdirSync(wav).filter((f) => f.endsWith('.wav') && SPEAKERS.includes(f.slice(0, 2)) && EMOTIONS[f[5] as string]).sort();
  // Links, because a manifest's paths must stay inside its folder.
  for (const f of files) symlinkSync(join(wav, f), join(dir, 'wav', f));
  const rows = files.map((f) => `wav/${f},${EMOTIONS[f[5] as string]},${f.slice(0, 2)}`);
  writeFileSync(join(dir, 'manifest.csv'), ['path,label,speaker', ...rows].join('\n') + '\n');
  return dir;
}

export function tinyExperiment(overrides: Partial<ExperimentConfigInput> = {}): { config: ExperimentConfig; configHash: string; configDir: string } {
  const configDir = writeTinyManifest();
  const config = experimentSchema.parse({
    name: 'tiny',
    corpus: { kind: 'manifest', path: 'manifest.csv' },
    features: { extractor: 'opensmile', set: 'eGeMAPSv02' },
    protocol: { folds: { kind: 'loso' }, repeats: 2, seed: 7, maxFolds: 2 },
    methods: ['none', 'smote', { method: 'cyclegan', loss: 'wdiv' }],
    amounts: [1.0],
    classifiers: ['svm', 'dnn'],
    gan: {
      hidden: [16], discriminatorHidden: [8], patchSize: 22, pretrainEpochs: 1, epochs: 3, checkpointEvery: 2,
      classifier: { hidden: [8], epochs: 5 },
    },
    dnn: { hidden: [32], epochs: 5 },
    ...overrides,
  } satisfies ExperimentConfigInput);
  return { config, configHash: hashOf(config), configDir };
}
