/**
 * Evaluation-layer benchmark: how long one fold and one whole LOSO evaluation take, and what
 * model selection costs on top of a single fit.
 *   npx tsx bench/evaluation.ts [--features-dir DIR] [--repeats N] [--only selection]
 * DIR holds feature tables named <set>.tsv (see bench/emodb-loso.ts); default
 * /tmp/serflow-eval. Each figure is min / median / max over N repeats (default 3). Prints a table
 * and writes bench/output/evaluation.json. `--only selection` measures the selection figures only.
 *
 * What is measured:
 * - fit + predict of the SVM and of the DNN (spec defaults: 2 x 800, 50 epochs, batch 32) on the
 *   first LOSO fold of the biggest set (ComParE_2016, 6373 dims);
 * - SMOTE (balance) on that fold's training part;
 * - a whole no-augmentation LOSO evaluation (10 folds, via evaluateFold): SVM on ComParE_2016,
 *   DNN (early stopping, the LOSO-table config) on emobase: a DNN LOSO on ComParE_2016 costs
 *   about 12 minutes per repeat on 2 shared cores;
 * - nested selection of the SVM's C (5 values, inner LOSO over the 9 training speakers, via
 *   evaluateFold: 9 Gram matrices, 45 precomputed-kernel fits, the refit) against one evaluation
 *   with C fixed, on the first LOSO fold of eGeMAPSv02 and of ComParE_2016; and the same 45 inner
 *   fits with the linear kernel (no shared Gram), to show what the Gram saves.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { smote } from '../compute/augment/smote';
import { DnnClassifier } from '../compute/classify/dnn';
import { LinearSvm } from '../compute/classify/linear-svm';
import type { Classifier } from '../compute/classify/classifier';
import type { ClassifierSpecInput } from '../compute/classify/classifier-spec';
import { evaluateFold } from '../compute/evaluate';
import { metricsFromConfusion, sumConfusionMatrices } from '../compute/metrics';
import type { ConfusionMatrix } from '../compute/metrics';
import { deriveSeed } from '../compute/random';
import { innerSplits } from '../compute/select/inner-splits';
import { fitInnerStandardisation, standardisedRows } from '../compute/select/inner-standardisation';
import type { Fold } from './emodb-loso';
import { leaveOneSpeakerOutFolds, readFeatureTable } from './emodb-loso';
import { CLASSIFIERS } from './evaluation-configs';

interface Figure {
  name: string;
  detail: string;
  seconds: number[];
  min: number;
  median: number;
  max: number;
  extra?: Record<string, number>;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const OUTPUT = join(__dirname, 'output', 'evaluation.json');
const figures: Figure[] = [];
let repeatsUsed = 0;

/** Written after every figure, so an interrupted run still leaves what it measured. */
function save(): void {
  mkdirSync(join(__dirname, 'output'), { recursive: true });
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? '', node: process.version, loadavg1mAtEnd: loadavg()[0] };
  writeFileSync(OUTPUT, JSON.stringify({ date: new Date().toISOString(), machine, repeats: repeatsUsed, figures }, null, 2));
}

function figure(name: string, detail: string, seconds: number[], extra?: Record<string, number>): Figure {
  const sorted = [...seconds].sort((a, b) => a - b);
  const f: Figure = { name, detail, seconds, min: sorted[0] ?? NaN, median: sorted[Math.floor(sorted.length / 2)] ?? NaN, max: sorted[sorted.length - 1] ?? NaN, ...(extra ? { extra } : {}) };
  console.log(`${name.padEnd(34)} ${f.min.toFixed(2).padStart(8)} ${f.median.toFixed(2).padStart(8)} ${f.max.toFixed(2).padStart(8)}   ${detail}`);
  figures.push(f);
  save();
  return f;
}

async function timeFold(classifier: Classifier, fold: Fold, seed: number): Promise<number> {
  const t = performance.now();
  const model = await classifier.fit(fold.train, seed);
  model.predict(fold.test.x, fold.test.rows);
  model.dispose();
  return (performance.now() - t) / 1000;
}

async function timeLoso(folds: Fold[], classifier: ClassifierSpecInput, repeat: number): Promise<{ seconds: number; uar: number }> {
  const t = performance.now();
  const confusions: ConfusionMatrix[] = [];
  for (const fold of folds) {
    const r = await evaluateFold({ train: fold.train, test: fold.test, trainSpeakers: fold.trainSpeakers, augmentation: { method: 'none' }, classifier, seed: deriveSeed(7, 'bench', repeat, fold.speaker) });
    confusions.push(r.confusion);
  }
  return { seconds: (performance.now() - t) / 1000, uar: metricsFromConfusion(sumConfusionMatrices(confusions)).uar };
}

const GRID = [1e-4, 1e-3, 1e-2, 1e-1, 1];

async function timeEvaluation(fold: Fold, C: number | { select: number[] }): Promise<{ seconds: number; chosen?: number }> {
  const t = performance.now();
  const r = await evaluateFold({ train: fold.train, test: fold.test, trainSpeakers: fold.trainSpeakers, augmentation: { method: 'none' }, classifier: { kind: 'svm', C }, seed: deriveSeed(7, 'bench', fold.speaker) });
  return { seconds: (performance.now() - t) / 1000, ...(r.selection ? { chosen: r.selection.chosen.C } : {}) };
}

/** The inner fits of a selection without the shared Gram: every C fitted with the linear kernel on every inner split. */
async function timeInnerLinearFits(fold: Fold): Promise<number> {
  const t = performance.now();
  for (const split of innerSplits(fold.train, fold.trainSpeakers, { kind: 'loso' }, { foldsSeed: 1, holdoutSeed: 1 })) {
    const z = fitInnerStandardisation(fold.train, split.trainRows);
    const inner = standardisedRows(z, fold.train, split.trainRows);
    const validation = standardisedRows(z, fold.train, split.validationRows);
    for (const C of GRID) {
      const model = await new LinearSvm({ C }).fit(inner, 1);
      model.predict(validation.x, validation.rows);
      model.dispose();
    }
  }
  return (performance.now() - t) / 1000;
}

async function selectionFigures(dir: string, repeats: number): Promise<void> {
  const runs = Array.from({ length: repeats }, (_, i) => i);
  for (const set of ['eGeMAPSv02', 'ComParE_2016']) {
    const fold = leaveOneSpeakerOutFolds(readFeatureTable(join(dir, `${set}.tsv`)))[0] as Fold;
    const shape = `${fold.train.rows}x${fold.train.cols} train, speaker ${fold.speaker}`;
    const single: number[] = [];
    const nested: number[] = [];
    const linear: number[] = [];
    let chosen: number | undefined;
    for (const _ of runs) {
      single.push((await timeEvaluation(fold, 1)).seconds);
      const n = await timeEvaluation(fold, { select: GRID });
      nested.push(n.seconds);
      chosen = n.chosen;
      linear.push(await timeInnerLinearFits(fold));
    }
    const one = figure(`SVM single evaluation, ${set}`, `C = 1, ${shape}`, single);
    const sel = figure(`SVM nested selection, ${set}`, `5 C, inner LOSO (${new Set(fold.trainSpeakers).size} splits, shared Gram) + refit, chose C = ${chosen}, ${shape}`, nested);
    figure(`  same inner fits, linear kernel`, `45 fits without the shared Gram (inner fits only, no refit), ${set}`, linear, { ratioToNested: median(linear) / sel.median });
    console.log(`${''.padEnd(34)} nested / single: ${(sel.median / one.median).toFixed(1)}x`);
  }
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
}

async function main(): Promise<void> {
  const dir = arg('--features-dir', '/tmp/serflow-eval');
  const repeats = Number(arg('--repeats', '3'));
  if (arg('--only', '') === 'selection') {
    repeatsUsed = repeats;
    console.log(`${'figure (seconds)'.padEnd(34)} ${'min'.padStart(8)} ${'median'.padStart(8)} ${'max'.padStart(8)}`);
    await selectionFigures(dir, repeats);
    console.log(`\nwrote ${OUTPUT}`);
    return;
  }
  const compare = leaveOneSpeakerOutFolds(readFeatureTable(join(dir, 'ComParE_2016.tsv')));
  const emobase = leaveOneSpeakerOutFolds(readFeatureTable(join(dir, 'emobase.tsv')));
  const fold = compare[0] as Fold;
  const shape = `${fold.train.rows}x${fold.train.cols} train, ${fold.test.rows} test`;
  console.log(`${'figure (seconds)'.padEnd(34)} ${'min'.padStart(8)} ${'median'.padStart(8)} ${'max'.padStart(8)}`);
  repeatsUsed = repeats;
  const runs = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

  const svmFold: number[] = [];
  for (const r of runs(repeats)) svmFold.push(await timeFold(new LinearSvm(), fold, r + 1));
  figure('SVM fit+predict, 1 fold', `ComParE_2016 speaker ${fold.speaker}, ${shape}`, svmFold);

  const smoteTimes: number[] = [];
  for (const r of runs(repeats)) {
    const t = performance.now();
    smote(fold.train, { mode: 'balance' }, 5, r + 1);
    smoteTimes.push((performance.now() - t) / 1000);
  }
  figure('SMOTE balance, 1 fold', `ComParE_2016, ${shape}`, smoteTimes);

  const svmLoso: number[] = [];
  const svmUar: number[] = [];
  for (const r of runs(repeats)) {
    const { seconds, uar } = await timeLoso(compare, CLASSIFIERS.svm, r);
    svmLoso.push(seconds);
    svmUar.push(uar);
  }
  figure('SVM LOSO, no augmentation', `ComParE_2016, 10 folds, UAR ${svmUar.map((u) => (100 * u).toFixed(2)).join('/')}`, svmLoso);

  const dnnFold: number[] = [];
  for (const r of runs(repeats)) dnnFold.push(await timeFold(new DnnClassifier(), fold, r + 1));
  const steps = 50 * Math.ceil(fold.train.rows / 32);
  figure('DNN fit+predict, 1 fold', `ComParE_2016, 2x800, 50 epochs, batch 32 (${steps} steps), ${shape}`, dnnFold, { msPerStep: (1000 * [...dnnFold].sort((a, b) => a - b)[Math.floor(dnnFold.length / 2)]!) / steps });

  const dnnLoso: number[] = [];
  const dnnUar: number[] = [];
  for (const r of runs(repeats)) {
    const { seconds, uar } = await timeLoso(emobase, CLASSIFIERS.dnn, r);
    dnnLoso.push(seconds);
    dnnUar.push(uar);
  }
  figure('DNN LOSO, no augmentation', `emobase (988), early stopping, 10 folds, UAR ${dnnUar.map((u) => (100 * u).toFixed(2)).join('/')}`, dnnLoso);

  await selectionFigures(dir, repeats);

  console.log(`\nwrote ${OUTPUT}`);
}

void main();
