/**
 * The time estimate of `serflow run --plan`: a short calibration on this machine (a few cycle-GAN
 * iterations at the config's GAN spec and feature dimension, one SVM grid, two DNN epochs, all
 * on random data of the first fold's sizes), then arithmetic over the plan's work (cli/plan/run-plan.ts).
 *
 * What it is: the compute the run's activities do, divided by the compute workers that share it.
 * What it leaves out: feature extraction (the first run of a corpus and feature set; memoised
 * after), the generation of synthetic rows (GANs, SMOTE, noise), prediction, Temporal and MLflow
 * overhead, the end of a run when fewer activities than workers remain (a fold's cycle-GAN
 * evaluations wait for its GANs; folds run two at a time), early stopping (the DNN is counted at
 * its full epoch budget: an upper bound for that part), GAN groups that fall back to one by one
 * (compute/cyclegan/README.md, "Groups"), and a GAN iteration's dependence on its batch (every
 * fit set is timed at the first fold's batch). SVM fits are scaled by the square of the rows
 * (the Gram matrix), DNN epochs linearly.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { classifierSearchSpecSchema, type ClassifierKind, type ClassifierSpec, type ClassifierSpecInput, type DnnSpec } from '../../compute/classify/classifier-spec';
import { createClassifier } from '../../compute/classify/create-classifier';
import { fitEach } from '../../compute/classify/fit-candidates';
import { sourceFromTrainingFold } from '../../compute/cyclegan/fold-data';
import type { GanSpec } from '../../compute/cyclegan/gan-spec';
import { CycleGanTrainer } from '../../compute/cyclegan/trainer';
import type { LabelledSet } from '../../compute/labelled-set';
import { Rng } from '../../compute/random';
import { candidateGrid, type Candidate } from '../../compute/select/candidate-grid';
import type { PlannedFit, RunPlan } from './run-plan';

/** What is timed: the first fold's shapes. */
export interface CalibrationShape {
  dim: number;
  /** Rows per class of the first fold's every-speaker fit set (the GANs' data, and the classifiers'). */
  classCounts: number[];
  gan: GanSpec;
  /** The GANs per training activity the plan has (1 alone, the repeats in a group); none without cycle-GAN cells. */
  members: number[];
  /** The classifier specs of the cells (one per kind). */
  classifiers: Partial<Record<ClassifierKind, ClassifierSpecInput>>;
}

export interface GanTiming {
  members: number;
  batch: number;
  /** Creating the trainer: its members' auxiliary classifiers and the initial weights. */
  createMs: number;
  pretrainIterationMs?: number;
  adversarialIterationMs: number;
  iterationsTimed: number;
}

export interface Calibration {
  dim: number;
  rows: number;
  gan: GanTiming[];
  /** One fit of the SVM grid on `rows` (the Gram matrix shared), and one fit of one candidate. */
  svm?: { gridMs: number; oneMs: number; candidates: number };
  /** One DNN epoch on `rows`. */
  dnn?: { epochMs: number };
  /** TensorFlow's intra-op threads during the calibration, the wall time it took, and the machine's 1-minute load average at its end. */
  threads: string;
  tookMs: number;
  load: number;
}

export interface Estimate {
  /** Compute summed over every activity, ms. */
  ganMs: number;
  svmMs: number;
  /** The DNN fits at their full epoch budget, and (with early stopping) at the fewest epochs it can stop after: patience + 1. */
  dnnMs: number;
  dnnMinMs: number;
  computeMs: number;
  workers: number;
  /** computeMs / workers, and the same with the DNN's fewest epochs. */
  wallMs: number;
  wallMinMs: number;
  cpu: string;
}

/** Times the shapes within about `budgetMs` (each measurement takes at least one timed step after a warm-up). */
export async function calibrate(shape: CalibrationShape, budgetMs: number): Promise<Calibration> {
  const start = performance.now();
  const train = randomSet(shape.classCounts, shape.dim, 17);
  const classifierKinds = Object.keys(shape.classifiers).length;
  // GAN iterations get most of the budget: they are most of a cycle-GAN experiment's time.
  const ganShare = shape.members.length === 0 ? 0 : classifierKinds === 0 ? 1 : 0.75;
  const perClassifier = classifierKinds === 0 ? 0 : (budgetMs * (1 - ganShare)) / classifierKinds;

  const gan: GanTiming[] = [];
  // The smallest and the largest group are timed; sizes between them are interpolated.
  const timedMembers = shape.members.length <= 2 ? shape.members : [shape.members[0] as number, shape.members[shape.members.length - 1] as number];
  // Each timed size until its share of the budget is spent (a trainer's set-up and pretraining epoch count against it).
  for (const [i, members] of timedMembers.entries()) gan.push(await timeGan(shape, train, members, start + (budgetMs * ganShare * (i + 1)) / timedMembers.length));
  for (const members of shape.members) if (!timedMembers.includes(members)) gan.push(interpolated(gan, members));
  gan.sort((a, b) => a.members - b.members);

  const calibration: Calibration = { dim: shape.dim, rows: train.rows, gan, threads: process.env.TF_NUM_INTRAOP_THREADS ?? 'TensorFlow default', tookMs: 0, load: 0 };
  const svmInput = shape.classifiers.svm;
  if (svmInput) {
    const specs = candidateGrid(classifierSearchSpecSchema.parse(svmInput)).map((c) => c.spec);
    await fitEach(randomSet([10, 10], shape.dim, 3), specs.slice(0, 1), 5, {}, () => undefined); // warm-up: libsvm's wasm heap
    const gridMs = await timed(() => fitEach(train, specs, 5, {}, () => undefined), perClassifier / 2);
    const oneMs = await timed(async () => (await createClassifier(specs[0] as ClassifierSpec).fit(train, 5)).dispose(), perClassifier / 2);
    calibration.svm = { gridMs, oneMs, candidates: specs.length };
  }
  const dnnInput = shape.classifiers.dnn;
  if (dnnInput) {
    const first = (candidateGrid(classifierSearchSpecSchema.parse(dnnInput))[0] as Candidate).spec as DnnSpec;
    // Without early stopping: an epoch is timed, not a stopping rule.
    const { earlyStopping: _stopping, ...spec } = first;
    const fit = (epochs: number) => async () => (await createClassifier({ ...spec, epochs }).fit(train, 5)).dispose();
    await fit(1)(); // warm-up: the kernels
    const twoMs = await timed(fit(2), perClassifier);
    calibration.dnn = { epochMs: twoMs / 2 };
  }
  calibration.tookMs = performance.now() - start;
  calibration.load = loadavg()[0] ?? 0;
  return calibration;
}

/**
 * One trainer of `members` GANs: its creation, then pretraining iterations (one epoch of them,
 * through trainFold, which also moves it to the adversarial phase), then adversarial ones. Each
 * phase starts with an untimed iteration (the first builds the kernels).
 */
async function timeGan(shape: CalibrationShape, train: LabelledSet, members: number, deadline: number): Promise<GanTiming> {
  const seeds = Array.from({ length: members }, (_, i) => 101 + i);
  const pretrain = shape.gan.pretrainEpochs > 0;
  const spec: GanSpec = { ...shape.gan, pretrainEpochs: pretrain ? 1 : 0, epochs: 1000 };
  const created = await cpuTimed(() => CycleGanTrainer.createGroup(spec, { source: sourceFromTrainingFold(train), train }, { seeds, onAdjustment: () => undefined }));
  const trainer = created.value;
  try {
    let pretrainIterationMs: number | undefined;
    if (pretrain) {
      trainer.runIteration();
      pretrainIterationMs = (await cpuTimed(() => trainer.trainFold({ untilEpoch: 1 }))).ms / trainer.iterationsPerEpoch;
    }
    trainer.runIteration();
    const times: number[] = [];
    while (times.length < 10 && (times.length === 0 || performance.now() < deadline)) {
      times.push((await cpuTimed(async () => trainer.runIteration())).ms);
      await new Promise(setImmediate);
    }
    return {
      members, batch: trainer.batch, createMs: created.ms, adversarialIterationMs: median(times), iterationsTimed: times.length + (pretrain ? trainer.iterationsPerEpoch : 0),
      ...(pretrainIterationMs === undefined ? {} : { pretrainIterationMs }),
    };
  } finally {
    trainer.dispose();
  }
}

/** A group size between two timed ones, linearly between them. */
function interpolated(timed: readonly GanTiming[], members: number): GanTiming {
  const [a, b] = [...timed].sort((x, y) => x.members - y.members) as [GanTiming, GanTiming];
  const w = (members - a.members) / (b.members - a.members);
  const mix = (x: number, y: number): number => x + w * (y - x);
  return {
    members, batch: a.batch, createMs: mix(a.createMs, b.createMs), adversarialIterationMs: mix(a.adversarialIterationMs, b.adversarialIterationMs), iterationsTimed: 0,
    ...(a.pretrainIterationMs !== undefined && b.pretrainIterationMs !== undefined ? { pretrainIterationMs: mix(a.pretrainIterationMs, b.pretrainIterationMs) } : {}),
  };
}

/** The plan's compute at the calibrated rates, and its wall time on `workers` compute workers. */
export function estimate(plan: RunPlan, calibration: Calibration, workers: number): Estimate {
  let ganMs = 0;
  for (const fold of plan.folds) {
    for (const g of fold.gans) {
      const t = nearestTiming(calibration.gan, g.members);
      if (!t) continue;
      const pretrain = (t.pretrainIterationMs ?? t.adversarialIterationMs) * plan.gan.pretrainEpochs;
      ganMs += t.createMs + g.iterationsPerEpoch * (pretrain + t.adversarialIterationMs * plan.gan.epochs);
    }
  }
  const svmMs = sum(plan.fits.filter((f) => f.classifier === 'svm').map((f) => svmFitMs(f, calibration)));
  const dnnFits = plan.fits.filter((f) => f.classifier === 'dnn');
  const epochs = dnnEpochs(plan);
  const dnnMs = sum(dnnFits.map((f) => dnnFitMs(f, epochs.max, calibration)));
  const dnnMinMs = sum(dnnFits.map((f) => dnnFitMs(f, epochs.min, calibration)));
  const computeMs = ganMs + svmMs + dnnMs;
  const n = Math.max(1, workers);
  return { ganMs, svmMs, dnnMs, dnnMinMs, computeMs, workers: n, wallMs: computeMs / n, wallMinMs: (computeMs - dnnMs + dnnMinMs) / n, cpu: cpus()[0]?.model ?? 'unknown CPU' };
}

function svmFitMs(f: PlannedFit, c: Calibration): number {
  if (!c.svm) return 0;
  return (f.candidates > 1 ? c.svm.gridMs : c.svm.oneMs) * (f.rows / c.rows) ** 2;
}

function dnnFitMs(f: PlannedFit, epochs: number, c: Calibration): number {
  return c.dnn ? f.candidates * epochs * c.dnn.epochMs * (f.rows / c.rows) : 0;
}

/** The DNN's epoch budget (the largest when selected), and the fewest epochs early stopping can end after. */
function dnnEpochs(plan: RunPlan): { max: number; min: number } {
  const cell = plan.cells.find((x) => x.classifier === 'dnn');
  const spec = cell ? classifierSearchSpecSchema.parse(cell.classifierSpec) : undefined;
  if (!spec || spec.kind !== 'dnn') return { max: 0, min: 0 };
  const max = maxOf(spec.epochs);
  return { max, min: spec.earlyStopping ? Math.min(max, spec.earlyStopping.patience + 1) : max };
}

/** A selectable field's largest value (the budget), or the value. */
function maxOf(v: number | { select: number[] }): number {
  return typeof v === 'number' ? v : Math.max(...v.select);
}

function nearestTiming(timings: readonly GanTiming[], members: number): GanTiming | undefined {
  return [...timings].sort((a, b) => Math.abs(a.members - members) - Math.abs(b.members - members))[0];
}

/** Median CPU ms of `run`, repeated while the budget (wall time) lasts: at least once, at most 5 times. */
async function timed(run: () => Promise<unknown>, budgetMs: number): Promise<number> {
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 5 && (times.length === 0 || performance.now() - start < budgetMs)) times.push((await cpuTimed(run)).ms);
  return median(times);
}

/**
 * The process's CPU time (every thread) of `run`, in ms: unlike wall time, not stretched by other
 * work on the machine while the calibration runs, so the estimate is for the run alone on it.
 */
async function cpuTimed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const before = process.cpuUsage();
  const value = await run();
  const used = process.cpuUsage(before);
  return { value, ms: (used.user + used.system) / 1000 };
}

/** Random normal rows, `counts[c]` of class c: sizes matter to the kernels, values do not. */
function randomSet(counts: readonly number[], dim: number, seed: number): LabelledSet {
  const rng = new Rng(seed);
  const rows = sum(counts);
  const x = new Float32Array(rows * dim);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const y = Int32Array.from(counts.flatMap((n, c) => new Array<number>(n).fill(c)));
  return { rows, cols: dim, x, y, classes: counts.map((_, c) => `class-${c}`) };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
