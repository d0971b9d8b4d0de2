/**
 * A small optuna sweep over the tiny EMO-DB manifest (tiny-experiment.ts): Gaussian-noise
 * augmentation and an SVM on four LOSO folds, C and the noise's sigma searched, scored by the
 * noise cell's inner-CV validation UAR (the SVM selects nothing: the trial validates its single
 * candidate). Its launch gets a study name and an MLflow experiment of its own, so that test
 * runs never continue each other's study. With `holdout`, the named speakers are held out of
 * every trial (search.holdout) and the best trial is tested on them at the end.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { optunaSweepInput } from '../../cli/commands/optuna-sweep-launch';
import { installation } from '../../composition/runtime-deps';
import { applyHoldout, loadSweepConfig } from '../../configs/load/sweep-config';
import type { StackSettings } from '../../configs/schema/stack-settings';
import type { StudyTrials } from '../../tracking/optuna/optuna-studies';
import type { OptunaSweepWorkflowInput } from '../../workflows/optuna-sweep';
import { writeTinyManifest } from './tiny-experiment';

export const OPTUNA_OBJECTIVE_CELL = 'noise/ratio-1/svm';

/** Writes base.yaml and sweep.yaml beside a fresh tiny manifest; `search` lines override the sweep's search block. */
export function writeOptunaSweep(search: { sampler?: string; pruner?: string; trials?: number; seed?: number; concurrency?: number; holdout?: string[] } = {}): string {
  const dir = writeTinyManifest();
  writeFileSync(join(dir, 'base.yaml'), [
    'name: base', 'corpus: { kind: manifest, path: manifest.csv }', 'features: { extractor: opensmile, set: eGeMAPSv02 }',
    'protocol: { folds: { kind: loso }, repeats: 1, seed: 11, selection: { folds: { kind: loso } } }', 'methods: [noise]', 'amounts: [1.0]', 'classifiers: [svm]',
  ].join('\n'));
  writeFileSync(join(dir, 'sweep.yaml'), [
    'name: optuna-test', 'base: base.yaml',
    'search:', '  kind: optuna', `  sampler: ${search.sampler ?? 'tpe'}`, `  trials: ${search.trials ?? 6}`, `  seed: ${search.seed ?? 3}`,
    `  pruner: ${search.pruner ?? '{ kind: median, startupTrials: 2 }'}`,
    '  space:', '    svm.C: { logUniform: [0.0001, 10] }', '    noise.sigma: { uniform: [0.05, 2] }',
    ...(search.holdout ? [`  holdout: { speakers: [${search.holdout.map((s) => `'${s}'`).join(', ')}] }`] : []),
    `objective: { cell: ${OPTUNA_OBJECTIVE_CELL}, metric: uar }`, `concurrency: ${search.concurrency ?? 1}`,
  ].join('\n'));
  return join(dir, 'sweep.yaml');
}

/** The sweep's launch with its own study and MLflow experiment (suffix `tag`). */
export function optunaLaunch(file: string, settings: StackSettings, tag: string = randomUUID().slice(0, 8)): { input: OptunaSweepWorkflowInput; workflowId: string } {
  const loaded = loadSweepConfig(file);
  // What `serflow sweep` does with the corpus it reads (cli/commands/sweep-command.ts): here the tiny manifest's speaker column.
  const speakers = () => readFileSync(join(dirname(file), 'manifest.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(',')[2] as string);
  const launch = optunaSweepInput(loaded.sweep.search.holdout ? applyHoldout(loaded, speakers()) : loaded, settings);
  launch.input.study = { ...launch.input.study, study: `${launch.input.study.study}-${tag}` };
  launch.input.mlflowExperiment = `test-optuna-${tag}`;
  return { input: launch.input, workflowId: `${launch.workflowId}-${tag}` };
}

/** The study after the sweep: checks one trial per slot and none left running; returns the trials. */
export async function assertStudyClean(input: OptunaSweepWorkflowInput): Promise<StudyTrials> {
  const study = await installation.optunaStudies().summary(input.study);
  const slots = study.trials.map((t) => t.slot);
  assert.deepEqual([...slots].sort((a, b) => (a ?? -1) - (b ?? -1)), Array.from({ length: input.trials }, (_, i) => i), 'one trial per slot, every slot');
  assert.equal(study.trials.filter((t) => t.state === 'running' || t.state === 'waiting').length, 0, 'no trial left running');
  return study;
}

/** Trials per state, e.g. { complete: 4, pruned: 2 }. */
export function countsOf(study: StudyTrials): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of study.trials) counts[t.state] = (counts[t.state] ?? 0) + 1;
  return counts;
}
