/**
 * CycleGanTrainer: trains the per-class cycle-GANs of one fold together, in one graph.
 *
 * Every network is stacked over the fold's target classes (weights [C, in, out], see
 * stacked-mlp.ts), and further G with F and D^T with D^S: one generator stack `GF` of 2C
 * networks (G_1..G_C, F_1..F_C) and one discriminator stack `D` (D^T_1..D^T_C, D^S_1..D^S_C).
 * A generator step is then two batched passes ([s; t] -> [G(s); F(t)], then the halves swapped
 * -> [G(F(t)); F(G(s))]) instead of four, and each discriminator evaluation one pass: fewer,
 * larger kernels. The loss that is differentiated is the sum of the per-class losses, so each
 * class's weights get exactly the gradient of its own loss and the classes stay independent
 * (each also draws its batches and initial weights from its own seeded stream). Batching the
 * classes only turns C small matmuls into one batched matmul.
 *
 * State = all weights (resource variables), the Adam moments and step counts, the epoch and
 * iteration counters, the per-class Rng states, the running epoch-loss sums, the frozen
 * classifier, and the training data itself (so a checkpoint alone can generate). It serialises to
 * one Buffer at any step boundary, and a trainer restored from it continues exactly where the
 * original was (same kernels, same order of random draws).
 */
import { tf } from '../tf';
import { z } from 'zod';
import { InputError, NumericalError } from '../../foundation/errors';
import type { LabelledSet } from '../labelled-set';
import { deriveSeed, Rng } from '../random';
import { ceDiscriminatorLoss, ceGeneratorLoss, wdivCriticLoss, wdivCriticLossAndPenalty, wdivGeneratorLoss, wdivPenalty, wdivPenaltyPoints } from './adversarial-loss';
import { classifierLogits, trainAuxiliaryClassifier } from './auxiliary-classifier';
import { sampleDistinct } from './batch-sampler';
import type { CheckpointTensor } from './checkpoint-format';
import { CorruptCheckpointError, decodeCheckpoint, encodeCheckpoint } from './checkpoint-format';
import type { DiscriminatorLayout } from './discriminator';
import { discriminate, discriminatorShapes, discriminatorSizes } from './discriminator';
import { FusedAdam } from '../nn/fused-adam';
import type { GanSpec } from './gan-spec';
import { discriminatorHiddenOf, GanSpecSchema } from './gan-spec';
import { cycleForward, cycleWeightGradients, generate, generatorShapes, generatorSizes } from './generator';
import { leakyRelu } from './leaky-relu';
import { ResourceVariable } from '../nn/resource-variable';
import { glorotStackedMlp, stackedMlpShapes } from '../nn/stacked-mlp';

/** Unlabelled source vectors S, row-major. */
export interface SourceMatrix {
  rows: number;
  cols: number;
  x: Float32Array;
}

export interface CycleGanFoldData {
  /**
   * The source domain S, in the same normalised space as `train`. The caller chooses it: the
   * pooled training fold without labels (`sourceFromTrainingFold`, the default choice), unused
   * classes, or an external table.
   */
  source: SourceMatrix;
  /** The real training fold: the targets T_i, and the auxiliary classifier's training set. */
  train: LabelledSet;
  /** Class indices (into `train.classes`) that get a GAN. Default: every class. */
  targetClasses?: number[];
}

export interface CycleGanTrainerOptions {
  /** Base seed; every stream derives from it and the class name. Never 0. */
  seed: number;
  /** Non-fatal problems (e.g. a batch lowered to fit a small class). Default: process.emitWarning. */
  onWarning?: (message: string) => void;
  /** Cancels the classifier training of `create`. */
  signal?: AbortSignal;
}

export const LOSS_NAMES = ['dT', 'dS', 'g', 'f', 'cyc', 'cls', 'gp'] as const;
export type LossName = (typeof LOSS_NAMES)[number];
/**
 * Epoch means of the per-iteration losses. dT, dS: discriminator losses (including the WGAN-div
 * penalty); g, f: the adversarial terms of G and F; cyc: the cycle MSE (sum of both directions);
 * cls: the classifier cross-entropy on G(s); gp: the WGAN-div penalty of D^T plus D^S (0 for 'ce').
 * In pretraining only cyc is non-zero.
 */
export type EpochLosses = Record<LossName, number>;

export interface EpochReport {
  /** 1-based, counting pretraining epochs first. */
  epoch: number;
  phase: 'pretrain' | 'adversarial';
  /** Learning rate used in this epoch. */
  lr: number;
  /** Mean over the fold's target classes. */
  losses: EpochLosses;
  /** Per target class, keyed by class name. */
  classLosses: Record<string, EpochLosses>;
}

export interface TrainFoldCallbacks {
  onEpoch?: (report: EpochReport) => void | Promise<void>;
  /** Every `checkpointEvery` epochs and after the last one; awaited. Writing it atomically is the caller's job. */
  onCheckpoint?: (checkpoint: Buffer, epoch: number) => void | Promise<void>;
  /** Checked before every iteration; the trainer stays consistent and can still be checkpointed. */
  signal?: AbortSignal;
  /** Stop once this many epochs are complete (default: pretrainEpochs + epochs). */
  untilEpoch?: number;
}

export interface TrainFoldResult {
  /** Completed epochs (pretraining included). */
  epochs: number;
  last?: EpochReport;
}

/** The default source domain: the training fold's vectors without their labels. */
export function sourceFromTrainingFold(train: LabelledSet): SourceMatrix {
  return { rows: train.rows, cols: train.cols, x: train.x };
}

const MetaSchema = z.strictObject({
  format: z.literal('serflow.cyclegan.trainer'),
  version: z.literal(1),
  spec: GanSpecSchema,
  seed: z.number().int(),
  classes: z.array(z.string()),
  targetClasses: z.array(z.number().int().min(0)),
  dim: z.number().int().positive(),
  sourceRows: z.number().int().positive(),
  targetCounts: z.array(z.number().int().positive()),
  batch: z.number().int().positive(),
  iterationsPerEpoch: z.number().int().positive(),
  epoch: z.number().int().min(0),
  iteration: z.number().int().min(0),
  genAdamStep: z.number().int().min(0),
  discAdamStep: z.number().int().min(0),
  classifierLayers: z.number().int().positive(),
  rngStates: z.array(z.strictObject({ s: z.tuple([z.number(), z.number(), z.number(), z.number()]) })),
});
type Meta = z.infer<typeof MetaSchema>;

/** Real and detached fake samples for a discriminator step, stacked [2C, batch, D] like the discriminators. */
interface DiscriminatorBatch {
  real: tf.Tensor;
  fake: tf.Tensor;
}

interface TrainerInit {
  spec: GanSpec;
  seed: number;
  classes: string[];
  targetClasses: number[];
  source: SourceMatrix;
  /** Target rows of every target class, concatenated in targetClasses order. */
  targets: Float32Array;
  targetCounts: number[];
  batch: number;
  iterationsPerEpoch: number;
  weights: Map<string, Float32Array>;
  classifier: tf.Tensor[];
  rngs: Rng[];
  counters: { epoch: number; iteration: number; genAdamStep: number; discAdamStep: number };
  lossSum?: Float32Array;
}

export class CycleGanTrainer {
  readonly spec: GanSpec;
  readonly seed: number;
  readonly classes: string[];
  readonly targetClasses: number[];
  readonly dim: number;
  /** Effective mini-batch per class (spec.batchSize, lowered to the smallest domain if needed). */
  readonly batch: number;
  readonly iterationsPerEpoch: number;
  /** Completed epochs and the iteration reached inside the current one. */
  private epoch: number;
  private iteration: number;

  private readonly sourceData: SourceMatrix;
  private readonly targetData: Float32Array;
  private readonly targetCounts: number[];
  private readonly targetOffsets: number[];
  private readonly sourceTensor: tf.Tensor2D;
  private readonly targetTensor: tf.Tensor2D;
  private readonly classLabels: tf.Tensor2D;
  private readonly layout: DiscriminatorLayout;
  /** Generators [G_1..G_C, F_1..F_C], weights [2C, in, out]. */
  private readonly gf: ResourceVariable[];
  /** Discriminators [D^T_1..D^T_C, D^S_1..D^S_C]. */
  private readonly d: ResourceVariable[];
  private readonly classifier: tf.Tensor[];
  private readonly genAdam: FusedAdam;
  private readonly discAdam: FusedAdam;
  private readonly rngs: Rng[];
  private lossSum: tf.Tensor2D;
  private disposed = false;

  private constructor(init: TrainerInit) {
    this.spec = init.spec;
    this.seed = init.seed;
    this.classes = init.classes;
    this.targetClasses = init.targetClasses;
    this.dim = init.source.cols;
    this.batch = init.batch;
    this.iterationsPerEpoch = init.iterationsPerEpoch;
    this.epoch = init.counters.epoch;
    this.iteration = init.counters.iteration;
    this.sourceData = init.source;
    this.targetData = init.targets;
    this.targetCounts = init.targetCounts;
    this.targetOffsets = init.targetCounts.map((_, c) => init.targetCounts.slice(0, c).reduce((a, n) => a + n, 0));
    this.rngs = init.rngs;
    this.classifier = init.classifier;
    const stack = init.targetClasses.length;
    const totalTargets = init.targetCounts.reduce((a, n) => a + n, 0);
    this.sourceTensor = tf.tensor2d(init.source.x, [init.source.rows, this.dim], 'float32');
    this.targetTensor = tf.tensor2d(init.targets, [totalTargets, this.dim], 'float32');
    // One-hot targets of the classification loss, [C * batch, K]: class c's rows ask for class targetClasses[c].
    this.classLabels = tf.tidy(() => tf.oneHot(tf.tensor1d(init.targetClasses.flatMap((k) => new Array<number>(init.batch).fill(k)), 'int32'), init.classes.length).toFloat() as tf.Tensor2D);
    this.layout = { kind: init.spec.discriminator, dim: this.dim, hidden: discriminatorHiddenOf(init.spec), patchSize: init.spec.patchSize };
    const make = (prefix: string, shapes: number[][]): ResourceVariable[] => shapes.map((shape, i) => {
      const name = `${prefix}.${i}`;
      const values = init.weights.get(name);
      if (values === undefined) throw new Error(`missing initial weights ${name}`);
      return new ResourceVariable(name, shape, values);
    });
    this.gf = make('GF', generatorShapes(2 * stack, this.dim, init.spec.hidden));
    this.d = make('D', discriminatorShapes(2 * stack, this.layout));
    const hyper = { beta1: init.spec.adamBeta1, beta2: init.spec.adamBeta2, epsilon: init.spec.adamEpsilon };
    this.genAdam = new FusedAdam('genAdam', this.gf, hyper);
    this.discAdam = new FusedAdam('discAdam', this.d, hyper);
    this.genAdam.step = init.counters.genAdamStep;
    this.discAdam.step = init.counters.discAdamStep;
    for (const [adam, prefix] of [[this.genAdam, 'genAdam'], [this.discAdam, 'discAdam']] as const) {
      adam.params.forEach((p, i) => {
        const m = init.weights.get(`${prefix}.m.${p.name}`);
        const v = init.weights.get(`${prefix}.v.${p.name}`);
        if (m !== undefined) (adam.m[i] as ResourceVariable).assign(m);
        if (v !== undefined) (adam.v[i] as ResourceVariable).assign(v);
      });
    }
    this.lossSum = init.lossSum !== undefined
      ? tf.tensor2d(init.lossSum, [stack, LOSS_NAMES.length], 'float32')
      : tf.zeros([stack, LOSS_NAMES.length]);
  }

  /**
   * Validates the data, trains and freezes the auxiliary classifier, and initialises every
   * network (Glorot-uniform, seeded per class and network).
   * Throws InputError on bad data: dimension mismatch, non-finite values, a target class with
   * fewer than 2 samples, an unknown class index, fewer than 2 source rows.
   */
  static async create(specInput: GanSpec, data: CycleGanFoldData, options: CycleGanTrainerOptions): Promise<CycleGanTrainer> {
    const spec = GanSpecSchema.parse(specInput);
    const warn = options.onWarning ?? ((m: string) => process.emitWarning(m, 'CycleGanWarning'));
    if (!Number.isInteger(options.seed) || options.seed === 0) {
      throw new InputError({ field: 'seed', reason: 'seed must be a non-zero integer (tfjs reads 0 as "no seed")', actual: options.seed });
    }
    const { train, source } = data;
    validateMatrix('train', train.rows, train.cols, train.x);
    validateMatrix('source', source.rows, source.cols, source.x);
    if (source.cols !== train.cols) throw new InputError({ field: 'source.cols', reason: 'source and training vectors differ in dimension', expected: train.cols, actual: source.cols });
    if (source.rows < 2) throw new InputError({ field: 'source.rows', reason: 'the source domain needs at least 2 vectors', actual: source.rows });
    if (train.y.length !== train.rows) throw new InputError({ field: 'train.y', reason: 'one label per row', expected: train.rows, actual: train.y.length });
    const numClasses = train.classes.length;
    for (const label of train.y) {
      if (!(label >= 0 && label < numClasses)) throw new InputError({ field: 'train.y', reason: 'label outside [0, classes.length)', actual: label });
    }
    const targetClasses = data.targetClasses ?? train.classes.map((_, i) => i);
    if (targetClasses.length === 0 || new Set(targetClasses).size !== targetClasses.length || targetClasses.some((k) => !Number.isInteger(k) || k < 0 || k >= numClasses)) {
      throw new InputError({ field: 'targetClasses', reason: 'must be distinct class indices into train.classes', actual: targetClasses });
    }
    const dim = train.cols;
    const targetCounts: number[] = [];
    const targetRows: number[] = [];
    for (const k of targetClasses) {
      let count = 0;
      for (let r = 0; r < train.rows; r++) if (train.y[r] === k) { targetRows.push(r); count++; }
      if (count < 2) {
        throw new InputError({ field: `train (class '${train.classes[k]}')`, reason: `class has ${count} training vector(s); a GAN needs at least 2`, fix: 'drop the class from targetClasses or use a larger fold' });
      }
      targetCounts.push(count);
    }
    const targets = new Float32Array(targetRows.length * dim);
    targetRows.forEach((r, i) => targets.set(train.x.subarray(r * dim, (r + 1) * dim), i * dim));
    const smallest = Math.min(source.rows, ...targetCounts);
    const batch = Math.min(spec.batchSize, smallest);
    if (batch < spec.batchSize) {
      const which = source.rows === smallest ? 'the source domain' : `class '${train.classes[targetClasses[targetCounts.indexOf(smallest)] as number]}'`;
      warn(`cycle-GAN batch lowered from ${spec.batchSize} to ${batch}: ${which} has only ${smallest} vectors`);
    }
    const iterationsPerEpoch = Math.ceil(Math.max(source.rows, ...targetCounts) / batch);

    const classifierInput = tf.tensor2d(train.x, [train.rows, dim], 'float32');
    let classifier: tf.Tensor[];
    try {
      classifier = await trainAuxiliaryClassifier(
        { x: classifierInput, labels: train.y, numClasses },
        spec.classifier, spec.leakySlope, new Rng(deriveSeed(options.seed, 'cyclegan', 'classifier')), options.signal,
      );
    } finally {
      classifierInput.dispose();
    }

    const names = targetClasses.map((k) => train.classes[k] as string);
    const initRngs = (net: string): Rng[] => names.map((name) => new Rng(deriveSeed(options.seed, 'cyclegan', 'init', net, name)));
    const weights = new Map<string, Float32Array>();
    const layout: DiscriminatorLayout = { kind: spec.discriminator, dim, hidden: discriminatorHiddenOf(spec), patchSize: spec.patchSize };
    glorotStackedMlp(generatorSizes(dim, spec.hidden), [...initRngs('G'), ...initRngs('F')]).forEach((w, i) => weights.set(`GF.${i}`, w));
    glorotStackedMlp(discriminatorSizes(layout), [...initRngs('DT'), ...initRngs('DS')]).forEach((w, i) => weights.set(`D.${i}`, w));
    return new CycleGanTrainer({
      spec, seed: options.seed, classes: [...train.classes], targetClasses, source, targets, targetCounts, batch, iterationsPerEpoch,
      weights, classifier,
      rngs: names.map((name) => new Rng(deriveSeed(options.seed, 'cyclegan', 'train', name))),
      counters: { epoch: 0, iteration: 0, genAdamStep: 0, discAdamStep: 0 },
    });
  }

  /** Completed epochs (pretraining included). */
  get completedEpochs(): number {
    return this.epoch;
  }

  get totalEpochs(): number {
    return this.spec.pretrainEpochs + this.spec.epochs;
  }

  /**
   * Trains until `untilEpoch` (default: all epochs) are complete, from wherever the trainer is
   * (fresh, restored from a checkpoint, or stopped by an abort). Yields to the event loop after
   * every iteration. Throws NumericalError (naming epoch, class and loss) if an epoch's losses
   * are not finite; the weights are then unusable and the caller falls back to its last checkpoint.
   * Throws the signal's reason when aborted.
   */
  async trainFold(callbacks: TrainFoldCallbacks = {}): Promise<TrainFoldResult> {
    this.ensureAlive();
    const until = Math.min(callbacks.untilEpoch ?? this.totalEpochs, this.totalEpochs);
    let last: EpochReport | undefined;
    while (this.epoch < until) {
      while (this.iteration < this.iterationsPerEpoch) {
        callbacks.signal?.throwIfAborted();
        this.runIteration();
        this.iteration += 1;
        await new Promise(setImmediate);
      }
      last = this.finishEpoch();
      await callbacks.onEpoch?.(last);
      if (callbacks.onCheckpoint !== undefined && (this.epoch % this.spec.checkpointEvery === 0 || this.epoch === this.totalEpochs)) {
        await callbacks.onCheckpoint(this.toCheckpoint(), this.epoch);
      }
    }
    return last === undefined ? { epochs: this.epoch } : { epochs: this.epoch, last };
  }

  /** Learning rate of the current epoch: lr * lrDecay^floor(adversarialEpoch / lrDecayEvery). */
  currentLearningRate(): number {
    const adversarialEpoch = this.epoch - this.spec.pretrainEpochs;
    if (adversarialEpoch < 0) return this.spec.lr;
    return this.spec.lr * this.spec.lrDecay ** Math.floor(adversarialEpoch / this.spec.lrDecayEvery);
  }

  /** One iteration of the current phase (exported for the benchmark; trainFold is the API). */
  runIteration(): void {
    this.ensureAlive();
    const lr = this.currentLearningRate();
    if (this.epoch < this.spec.pretrainEpochs) {
      const record = this.generatorStep(lr, true, false).losses;
      this.accumulate(record);
      return;
    }
    // A fresh optimiser for the adversarial phase: the pretraining moments describe another loss.
    if (this.epoch === this.spec.pretrainEpochs && this.iteration === 0 && this.spec.pretrainEpochs > 0) this.genAdam.reset();
    const steps = this.spec.generatorStepsPerDiscriminatorStep;
    const records: tf.Tensor[] = [];
    let fakes: DiscriminatorBatch | undefined;
    try {
      const generatorRecords: tf.Tensor[] = [];
      for (let k = 0; k < steps; k++) {
        const out = this.generatorStep(lr, false, k === steps - 1);
        records.push(out.losses);
        generatorRecords.push(out.losses);
        if (out.fakes !== undefined) fakes = out.fakes;
      }
      if (fakes === undefined) throw new Error('the last generator step keeps its batch');
      const discLosses = this.discriminatorStep(lr, fakes);
      records.push(discLosses);
      // Generator columns: mean over the generator steps; discriminator columns: the D step.
      this.accumulate(tf.tidy(() => tf.add(tf.mul(tf.addN(generatorRecords).div(steps), tf.tensor2d([[0, 0, 1, 1, 1, 1, 0]])), discLosses)));
    } finally {
      tf.dispose(records);
      if (fakes !== undefined) tf.dispose([fakes.real, fakes.fake]);
    }
  }

  /**
   * Emits `count` synthetic vectors G_i(s) for class index `classIndex` (into `classes`), s drawn
   * uniformly with replacement from S by a Rng seeded with `seed`. Same normalised space as the
   * real vectors. Labels are `classIndex`.
   */
  generate(classIndex: number, count: number, seed: number): LabelledSet {
    this.ensureAlive();
    const c = this.targetClasses.indexOf(classIndex);
    if (c < 0) throw new InputError({ field: 'classIndex', reason: 'no GAN was trained for this class', expected: this.targetClasses, actual: classIndex });
    if (!Number.isInteger(count) || count < 0) throw new InputError({ field: 'count', reason: 'count must be a non-negative integer', actual: count });
    const rng = new Rng(seed);
    const out = new Float32Array(count * this.dim);
    const chunk = 512;
    const params = this.gf.map((v) => {
      const all = v.read();
      const one = tf.slice(all, [c, 0, 0], [1, -1, -1]);
      all.dispose();
      return one;
    });
    try {
      for (let start = 0; start < count; start += chunk) {
        const n = Math.min(chunk, count - start);
        const idx = new Int32Array(n);
        for (let i = 0; i < n; i++) idx[i] = rng.int(this.sourceData.rows);
        const values = tf.tidy(() => {
          const s = tf.gather(this.sourceTensor, tf.tensor1d(idx, 'int32')).reshape([1, n, this.dim]);
          return generate(params, s, this.spec.leakySlope);
        });
        out.set(values.dataSync(), start * this.dim);
        values.dispose();
      }
    } finally {
      tf.dispose(params);
    }
    return { rows: count, cols: this.dim, x: out, y: new Int32Array(count).fill(classIndex), classes: [...this.classes] };
  }

  /** The frozen auxiliary classifier's predicted class index per row of x ([rows, dim], row-major). */
  classify(x: Float32Array, rows: number): Int32Array {
    this.ensureAlive();
    return tf.tidy(() => classifierLogits(this.classifier, tf.tensor2d(x, [rows, this.dim]), this.spec.leakySlope).argMax(1).dataSync() as Int32Array);
  }

  /** The whole training state as one self-checking Buffer (see checkpoint-format.ts). */
  toCheckpoint(): Buffer {
    this.ensureAlive();
    const meta: Meta = {
      format: 'serflow.cyclegan.trainer',
      version: 1,
      spec: this.spec,
      seed: this.seed,
      classes: this.classes,
      targetClasses: this.targetClasses,
      dim: this.dim,
      sourceRows: this.sourceData.rows,
      targetCounts: this.targetCounts,
      batch: this.batch,
      iterationsPerEpoch: this.iterationsPerEpoch,
      epoch: this.epoch,
      iteration: this.iteration,
      genAdamStep: this.genAdam.step,
      discAdamStep: this.discAdam.step,
      classifierLayers: this.classifier.length,
      rngStates: this.rngs.map((r) => r.state()),
    };
    const tensors: CheckpointTensor[] = [
      { name: 'source', shape: [this.sourceData.rows, this.dim], data: this.sourceData.x.subarray(0, this.sourceData.rows * this.dim) },
      { name: 'targets', shape: [this.targetData.length / this.dim, this.dim], data: this.targetData },
    ];
    for (const v of [...this.gf, ...this.d]) tensors.push({ name: v.name, shape: v.shape, data: v.values() });
    for (const [adam, prefix] of [[this.genAdam, 'genAdam'], [this.discAdam, 'discAdam']] as const) {
      adam.params.forEach((p, i) => {
        tensors.push({ name: `${prefix}.m.${p.name}`, shape: p.shape, data: (adam.m[i] as ResourceVariable).values() });
        tensors.push({ name: `${prefix}.v.${p.name}`, shape: p.shape, data: (adam.v[i] as ResourceVariable).values() });
      });
    }
    this.classifier.forEach((t, i) => tensors.push({ name: `classifier.${i}`, shape: t.shape, data: t.dataSync() as Float32Array }));
    tensors.push({ name: 'lossSum', shape: this.lossSum.shape, data: this.lossSum.dataSync() as Float32Array });
    return encodeCheckpoint(meta, tensors);
  }

  /**
   * Restores a trainer from `toCheckpoint`'s Buffer. Throws CorruptCheckpointError (an
   * InputError) if the bytes are damaged or do not describe a consistent trainer.
   */
  static fromCheckpoint(buf: Buffer): CycleGanTrainer {
    const decoded = decodeCheckpoint(buf);
    const parsed = MetaSchema.safeParse(decoded.meta);
    if (!parsed.success) throw new CorruptCheckpointError(`header does not describe a trainer: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const meta = parsed.data;
    const stack = meta.targetClasses.length;
    const layout: DiscriminatorLayout = { kind: meta.spec.discriminator, dim: meta.dim, hidden: discriminatorHiddenOf(meta.spec), patchSize: meta.spec.patchSize };
    if (meta.targetCounts.length !== stack || meta.rngStates.length !== stack) throw new CorruptCheckpointError('per-class lists disagree in length');
    const expect = (name: string, shape: number[]): Float32Array => {
      const t = decoded.tensors.get(name);
      if (t === undefined) throw new CorruptCheckpointError(`tensor ${name} is missing`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]) || !(t.data instanceof Float32Array)) {
        throw new CorruptCheckpointError(`tensor ${name} has shape ${JSON.stringify(t.shape)}, expected ${JSON.stringify(shape)}`);
      }
      return t.data;
    };
    const totalTargets = meta.targetCounts.reduce((a, n) => a + n, 0);
    const weights = new Map<string, Float32Array>();
    const nets: [string, number[][]][] = [
      ['GF', generatorShapes(2 * stack, meta.dim, meta.spec.hidden)],
      ['D', discriminatorShapes(2 * stack, layout)],
    ];
    for (const [net, shapes] of nets) {
      shapes.forEach((shape, i) => {
        const name = `${net}.${i}`;
        weights.set(name, expect(name, shape));
        const adam = net === 'GF' ? 'genAdam' : 'discAdam';
        weights.set(`${adam}.m.${name}`, expect(`${adam}.m.${name}`, shape));
        weights.set(`${adam}.v.${name}`, expect(`${adam}.v.${name}`, shape));
      });
    }
    const classifierShapes = decodedClassifierShapes(decoded.tensors, meta.classifierLayers, meta.dim, meta.classes.length);
    const source = expect('source', [meta.sourceRows, meta.dim]);
    const targets = expect('targets', [totalTargets, meta.dim]);
    const lossSum = expect('lossSum', [stack, LOSS_NAMES.length]);
    const classifier = classifierShapes.map((shape, i) => tf.tensor(expect(`classifier.${i}`, shape), shape, 'float32'));
    return new CycleGanTrainer({
      spec: meta.spec, seed: meta.seed, classes: meta.classes, targetClasses: meta.targetClasses,
      source: { rows: meta.sourceRows, cols: meta.dim, x: source }, targets, targetCounts: meta.targetCounts,
      batch: meta.batch, iterationsPerEpoch: meta.iterationsPerEpoch, weights, classifier,
      rngs: meta.rngStates.map((s) => Rng.fromState(s)),
      counters: { epoch: meta.epoch, iteration: meta.iteration, genAdamStep: meta.genAdamStep, discAdamStep: meta.discAdamStep },
      lossSum,
    });
  }

  /** Frees every tensor and variable. The trainer is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.genAdam.destroy();
    this.discAdam.destroy();
    for (const v of [...this.gf, ...this.d]) v.destroy();
    tf.dispose([this.sourceTensor, this.targetTensor, this.classLabels, this.lossSum, ...this.classifier]);
  }

  private ensureAlive(): void {
    if (this.disposed) throw new Error('CycleGanTrainer was disposed');
  }

  /** Index tensors of one mini-batch per class: source rows and target rows, each [C * batch]. */
  private sampleBatch(): { sIdx: Int32Array; tIdx: Int32Array } {
    const stack = this.targetClasses.length;
    const sIdx = new Int32Array(stack * this.batch);
    const tIdx = new Int32Array(stack * this.batch);
    for (let c = 0; c < stack; c++) {
      const rng = this.rngs[c] as Rng;
      sampleDistinct(rng, this.sourceData.rows, this.batch, sIdx, c * this.batch);
      sampleDistinct(rng, this.targetCounts[c] as number, this.batch, tIdx, c * this.batch, this.targetOffsets[c] as number);
    }
    return { sIdx, tIdx };
  }

  /**
   * One joint update of G and F. Returns the per-class loss record [C, 7] (kept) and, when
   * asked, the real and fake batches (kept, detached) for the discriminator step, both stacked
   * like the discriminators: real [t; s], fake [G(s); F(t)], [2C, batch, D].
   */
  private generatorStep(lr: number, pretrain: boolean, keepFakes: boolean): { losses: tf.Tensor; fakes?: DiscriminatorBatch } {
    const stack = this.targetClasses.length;
    const { sIdx, tIdx } = this.sampleBatch();
    const spec = this.spec;
    const slope = spec.leakySlope;
    const shape = [stack, this.batch, this.dim];
    let losses: tf.Tensor | undefined;
    let fakes: DiscriminatorBatch | undefined;
    tf.tidy(() => {
      const s = tf.gather(this.sourceTensor, tf.tensor1d(sIdx, 'int32')).reshape(shape);
      const t = tf.gather(this.targetTensor, tf.tensor1d(tIdx, 'int32')).reshape(shape);
      const input = tf.concat([s, t], 0);
      const swapped = tf.concat([t, s], 0);
      const params = this.gf.map((v) => v.read());
      const d = pretrain ? [] : this.d.map((v) => v.read());
      const passes = cycleForward(params, input, slope);
      const { fake, rec } = passes;
      // rec = [recT; recS] is compared with [t; s]; the two directions summed per class.
      const recError = tf.sub(rec, swapped);
      const cycBoth = tf.square(recError).mean([1, 2]);
      const cyc = tf.add(cycBoth.slice([0], [stack]), cycBoth.slice([stack], [stack]));
      const zero = tf.zerosLike(cyc);
      // The total loss is sum_c (advG + advF + lambdaCyc * cyc + lambdaCls * cls); its
      // gradients are propagated by hand (stacked-mlp.ts says why). d(cyc)/d(rec) = 2 (rec - target) / (N D).
      const dRec = tf.mul(recError, (2 * spec.lambdaCyc) / (this.batch * this.dim));
      let dFake: tf.Tensor | undefined;
      if (pretrain) {
        losses = tf.keep(tf.stack([zero, zero, zero, zero, cyc, zero, zero], 1));
      } else {
        // Adversarial and classification terms depend on the fakes only: their gradient by autodiff.
        let record: tf.Tensor | undefined;
        const { grad } = tf.valueAndGrad((f: tf.Tensor) => {
          const scores = discriminate(d, f, this.layout, slope, leakyRelu);
          const adv = spec.loss === 'ce' ? ceGeneratorLoss(scores) : wdivGeneratorLoss(scores);
          const advG = adv.slice([0], [stack]);
          const advF = adv.slice([stack], [stack]);
          const logits = classifierLogits(this.classifier, f.slice([0, 0, 0], [stack, -1, -1]).reshape([stack * this.batch, this.dim]), slope);
          const cls = tf.neg(tf.sum(tf.mul(this.classLabels, tf.logSoftmax(logits)), 1)).reshape([stack, this.batch]).mean(1);
          // Kept here: valueAndGrad disposes what its function created.
          record = tf.keep(tf.stack([zero, zero, advG, advF, cyc, cls, zero], 1));
          return tf.add(tf.add(advG, advF), tf.mul(cls, spec.lambdaCls)).sum() as tf.Scalar;
        })(fake);
        if (record === undefined) throw new Error('generator step produced no losses');
        losses = record;
        dFake = grad;
      }
      const grads = cycleWeightGradients(params, passes, dFake, dRec, slope);
      if (keepFakes) fakes = { real: tf.keep(swapped), fake: tf.keep(fake) };
      // Release the aliasing reads so ResourceApplyAdam updates in place instead of copying.
      tf.dispose([...params, ...d]);
      this.genAdam.apply(grads, lr);
    });
    if (losses === undefined) throw new Error('generator step produced no losses');
    return fakes === undefined ? { losses } : { losses, fakes };
  }

  /** One joint update of D^T and D^S on the last generator batch and its detached fakes. Returns [C, 7] (kept). */
  private discriminatorStep(lr: number, batch: DiscriminatorBatch): tf.Tensor {
    const spec = this.spec;
    const slope = spec.leakySlope;
    const stack = this.targetClasses.length;
    let alpha: Float32Array | undefined;
    if (spec.loss === 'wdiv' && spec.wdivSampling === 'interpolate') {
      // Rows follow the discriminator stack: D^T of every class, then D^S of every class.
      alpha = new Float32Array(2 * stack * this.batch);
      for (let c = 0; c < stack; c++) {
        const rng = this.rngs[c] as Rng;
        for (const half of [0, stack]) {
          for (let i = 0; i < this.batch; i++) alpha[(half + c) * this.batch + i] = rng.next();
        }
      }
    }
    let losses: tf.Tensor | undefined;
    tf.tidy(() => {
      const params = this.d.map((v) => v.read());
      const a = alpha === undefined ? undefined : tf.tensor3d(alpha, [2 * stack, this.batch, 1]);
      const { grads } = tf.valueAndGrads((...p: tf.Tensor[]) => {
        const critic = (x: tf.Tensor): tf.Tensor => discriminate(p, x, this.layout, slope);
        let loss: tf.Tensor;
        let gp: tf.Tensor;
        if (spec.loss === 'wdiv' && spec.wdivSampling === 'real-and-fake') {
          // Penalty points = loss points: one critic pass serves both.
          const r = wdivCriticLossAndPenalty(critic, batch.real, batch.fake, spec.wdivK, spec.wdivP);
          loss = tf.add(r.critic, r.penalty);
          gp = r.penalty;
        } else {
          // Real and fake through one call: twice the rows, half the kernels.
          const scores = critic(tf.concat([batch.real, batch.fake], 1));
          const real = scores.slice([0, 0], [2 * stack, this.batch]);
          const fake = scores.slice([0, this.batch], [2 * stack, this.batch]);
          if (spec.loss === 'ce') {
            loss = ceDiscriminatorLoss(real, fake, spec.realLabel);
            gp = tf.zerosLike(loss);
          } else {
            gp = wdivPenalty(critic, wdivPenaltyPoints(batch.real, batch.fake, spec.wdivSampling, a), spec.wdivK, spec.wdivP);
            loss = tf.add(wdivCriticLoss(real, fake), gp);
          }
        }
        const lossT = loss.slice([0], [stack]);
        const lossS = loss.slice([stack], [stack]);
        const gpBoth = tf.add(gp.slice([0], [stack]), gp.slice([stack], [stack]));
        const zero = tf.zerosLike(lossT);
        losses = tf.keep(tf.stack([lossT, lossS, zero, zero, zero, zero, gpBoth], 1));
        return loss.sum() as tf.Scalar;
      })(params);
      tf.dispose(params);
      this.discAdam.apply(grads, lr);
    });
    if (losses === undefined) throw new Error('discriminator step produced no losses');
    return losses;
  }

  private accumulate(record: tf.Tensor): void {
    const next = tf.tidy(() => tf.add(this.lossSum, record) as tf.Tensor2D);
    record.dispose();
    this.lossSum.dispose();
    this.lossSum = next;
  }

  private finishEpoch(): EpochReport {
    const lr = this.currentLearningRate();
    const phase = this.epoch < this.spec.pretrainEpochs ? 'pretrain' : 'adversarial';
    const sums = this.lossSum.dataSync();
    this.lossSum.dispose();
    this.lossSum = tf.zeros([this.targetClasses.length, LOSS_NAMES.length]);
    this.epoch += 1;
    this.iteration = 0;
    const classLosses: Record<string, EpochLosses> = {};
    const mean = Object.fromEntries(LOSS_NAMES.map((k) => [k, 0])) as EpochLosses;
    this.targetClasses.forEach((k, c) => {
      const name = this.classes[k] as string;
      const losses = Object.fromEntries(LOSS_NAMES.map((key, j) => [key, (sums[c * LOSS_NAMES.length + j] as number) / this.iterationsPerEpoch])) as EpochLosses;
      for (const key of LOSS_NAMES) {
        if (!Number.isFinite(losses[key])) {
          throw new NumericalError(`cycle-GAN training diverged in epoch ${this.epoch} (${phase}): class '${name}' has ${key} loss ${losses[key]}`, { epoch: this.epoch, phase, class: name, loss: key, value: losses[key] });
        }
        mean[key] += losses[key] / this.targetClasses.length;
      }
      classLosses[name] = losses;
    });
    return { epoch: this.epoch, phase, lr, losses: mean, classLosses };
  }
}

function validateMatrix(field: string, rows: number, cols: number, x: Float32Array): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) throw new InputError({ field, reason: 'rows and cols must be positive integers', actual: { rows, cols } });
  if (x.length < rows * cols) throw new InputError({ field: `${field}.x`, reason: 'fewer values than rows * cols', expected: rows * cols, actual: x.length });
  for (let i = 0; i < rows * cols; i++) {
    if (!Number.isFinite(x[i] as number)) throw new InputError({ field: `${field}.x`, reason: `non-finite value at row ${Math.floor(i / cols)}, column ${i % cols}`, fix: 'impute or drop the row before augmentation' });
  }
}

function decodedClassifierShapes(tensors: Map<string, CheckpointTensor>, layers: number, dim: number, numClasses: number): number[][] {
  const shapes: number[][] = [];
  for (let i = 0; i < layers; i++) {
    const t = tensors.get(`classifier.${i}`);
    if (t === undefined) throw new CorruptCheckpointError(`tensor classifier.${i} is missing`);
    shapes.push(t.shape);
  }
  // The classifier's hidden sizes are in its tensors; check they chain from dim to numClasses.
  const sizes = [dim, ...shapes.filter((_, i) => i % 2 === 0).map((s) => s[2] as number)];
  const expected = stackedMlpShapes(1, sizes);
  if (layers % 2 !== 0 || sizes[sizes.length - 1] !== numClasses || expected.some((s, i) => JSON.stringify(s) !== JSON.stringify(shapes[i]))) {
    throw new CorruptCheckpointError('classifier tensors do not chain from the feature dimension to the class count');
  }
  return shapes;
}
