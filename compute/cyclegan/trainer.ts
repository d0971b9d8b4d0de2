/**
 * CycleGanTrainer: trains the per-class cycle-GANs of one fold together, in one graph. This module
 * is the training state machine (create, trainFold, runIteration, generate, classify, dispose);
 * its neighbours hold the rest: fold-data.ts checks the data, adversarial-objective.ts is the
 * loss (chosen once), checkpoint-codec.ts the checkpoint, training-report.ts what is reported.
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
import { InputError, NumericalError } from '../../foundation/errors';
import type { LabelledSet } from '../labelled-set';
import { deriveSeed, Rng } from '../random';
import type { AdversarialObjective } from './adversarial-objective';
import { adversarialObjective } from './adversarial-objective';
import { classifierLogits, trainAuxiliaryClassifier } from './auxiliary-classifier';
import { sampleDistinct } from './batch-sampler';
import type { TrainerCheckpoint } from './checkpoint-codec';
import { decodeTrainerCheckpoint, encodeTrainerCheckpoint, trainerNetworks } from './checkpoint-codec';
import type { DiscriminatorLayout } from './discriminator';
import { discriminate, discriminatorSizes } from './discriminator';
import type { CycleGanFoldData, SourceMatrix } from './fold-data';
import { checkFoldData } from './fold-data';
import { FusedAdam } from '../nn/fused-adam';
import type { GanSpec } from './gan-spec';
import { discriminatorLayoutOf, ganSpecSchema } from './gan-spec';
import { cycleForward, cycleTerm, cycleWeightGradients, generate, generatorSizes } from './generator';
import { leakyRelu } from './leaky-relu';
import { ResourceVariable } from '../nn/resource-variable';
import { glorotStackedMlp } from '../nn/stacked-mlp';
import type { EpochLosses, EpochReport, LossName, TrainFoldCallbacks, TrainFoldResult } from './training-report';
import { LOSS_NAMES } from './training-report';

export interface CycleGanTrainerOptions {
  /** Base seed; every stream derives from it and the class name. Never 0. */
  seed: number;
  /** Non-fatal problems (e.g. a batch lowered to fit a small class). Default: process.emitWarning. */
  onWarning?: (message: string) => void;
  /** Cancels the classifier training of `create`. */
  signal?: AbortSignal;
}

/** Real and detached fake samples for a discriminator step, stacked [2C, batch, D] like the discriminators. */
interface DiscriminatorBatch {
  real: tf.Tensor;
  fake: tf.Tensor;
}

/**
 * What the constructor builds a trainer from: a decoded checkpoint, or `create`'s fresh state
 * (initial weights only: no Adam moments, no loss sums yet). The classifier is already on the
 * backend, and the Rngs are live streams.
 */
type TrainerInit = Omit<TrainerCheckpoint, 'classifier' | 'rngStates' | 'lossSum'> & {
  classifier: tf.Tensor[];
  rngs: Rng[];
  lossSum?: Float32Array;
};

/**
 * 1 in the loss columns the generator steps fill (g, f, cyc, cls), 0 in those of the
 * discriminator step (dT, dS, gp): an iteration's record takes each column from its own step.
 */
const GENERATOR_COLUMNS = LOSS_NAMES.map((name) => (['g', 'f', 'cyc', 'cls'].includes(name) ? 1 : 0));

/**
 * One per-class loss record [C, LOSS_NAMES.length] from the terms a step computed ([C] each);
 * the terms it does not compute are `zero`.
 */
function lossRecord(terms: Partial<Record<LossName, tf.Tensor>>, zero: tf.Tensor): tf.Tensor {
  return tf.stack(LOSS_NAMES.map((name) => terms[name] ?? zero), 1);
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
  /** The adversarial loss of spec.loss, chosen once here. */
  private readonly objective: AdversarialObjective;
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
    this.objective = adversarialObjective(init.spec);
    const stack = init.targetClasses.length;
    const totalTargets = init.targetCounts.reduce((a, n) => a + n, 0);
    this.sourceTensor = tf.tensor2d(init.source.x, [init.source.rows, this.dim], 'float32');
    this.targetTensor = tf.tensor2d(init.targets, [totalTargets, this.dim], 'float32');
    // One-hot targets of the classification loss, [C * batch, K]: class c's rows ask for class targetClasses[c].
    this.classLabels = tf.tidy(() => tf.oneHot(tf.tensor1d(init.targetClasses.flatMap((k) => new Array<number>(init.batch).fill(k)), 'int32'), init.classes.length).toFloat() as tf.Tensor2D);
    this.layout = discriminatorLayoutOf(init.spec, this.dim);
    const [generators, discriminators] = trainerNetworks(init.spec, this.dim, stack).map(({ prefix, shapes }) => shapes.map((shape, i) => {
      const name = `${prefix}.${i}`;
      const values = init.weights.get(name);
      if (values === undefined) throw new Error(`missing initial weights ${name}`);
      return new ResourceVariable(name, shape, values);
    })) as [ResourceVariable[], ResourceVariable[]];
    this.gf = generators;
    this.d = discriminators;
    const hyper = { beta1: init.spec.adamBeta1, beta2: init.spec.adamBeta2, epsilon: init.spec.adamEpsilon };
    this.genAdam = new FusedAdam('genAdam', this.gf, hyper);
    this.discAdam = new FusedAdam('discAdam', this.d, hyper);
    this.genAdam.step = init.counters.genAdamStep;
    this.discAdam.step = init.counters.discAdamStep;
    // The moments' variable names (genAdam.m.GF.0, ...) are the checkpoint's names for them.
    for (const adam of [this.genAdam, this.discAdam]) {
      for (const moment of [...adam.m, ...adam.v]) {
        const values = init.weights.get(moment.name);
        if (values !== undefined) moment.assign(values);
      }
    }
    this.lossSum = init.lossSum !== undefined
      ? tf.tensor2d(init.lossSum, [stack, LOSS_NAMES.length], 'float32')
      : tf.zeros([stack, LOSS_NAMES.length]);
  }

  /**
   * Validates the data (fold-data.ts), trains and freezes the auxiliary classifier, and
   * initialises every network (Glorot-uniform, seeded per class and network).
   * Throws InputError on bad data: dimension mismatch, non-finite values, a target class with
   * fewer than 2 samples, an unknown class index, fewer than 2 source rows; and on seed 0.
   */
  static async create(specInput: GanSpec, data: CycleGanFoldData, options: CycleGanTrainerOptions): Promise<CycleGanTrainer> {
    const spec = ganSpecSchema.parse(specInput);
    const warn = options.onWarning ?? ((m: string) => process.emitWarning(m, 'CycleGanWarning'));
    if (!Number.isInteger(options.seed) || options.seed === 0) {
      throw new InputError({ field: 'seed', reason: 'seed must be a non-zero integer (tfjs reads 0 as "no seed")', actual: options.seed });
    }
    const { train, source, targetClasses, targetCounts, targets } = checkFoldData(data);
    const numClasses = train.classes.length;
    const dim = train.cols;
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
    glorotStackedMlp(generatorSizes(dim, spec.hidden), [...initRngs('G'), ...initRngs('F')]).forEach((w, i) => weights.set(`GF.${i}`, w));
    glorotStackedMlp(discriminatorSizes(discriminatorLayoutOf(spec, dim)), [...initRngs('DT'), ...initRngs('DS')]).forEach((w, i) => weights.set(`D.${i}`, w));
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
      this.accumulate(tf.tidy(() => tf.add(tf.mul(tf.addN(generatorRecords).div(steps), tf.tensor2d([GENERATOR_COLUMNS])), discLosses)));
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

  /** The whole training state as one self-checking Buffer (checkpoint-codec.ts). */
  toCheckpoint(): Buffer {
    this.ensureAlive();
    const weights = new Map<string, Float32Array>();
    for (const v of [...this.gf, ...this.d, ...this.genAdam.m, ...this.genAdam.v, ...this.discAdam.m, ...this.discAdam.v]) weights.set(v.name, v.values());
    return encodeTrainerCheckpoint({
      spec: this.spec, seed: this.seed, classes: this.classes, targetClasses: this.targetClasses,
      source: this.sourceData, targets: this.targetData, targetCounts: this.targetCounts,
      batch: this.batch, iterationsPerEpoch: this.iterationsPerEpoch,
      counters: { epoch: this.epoch, iteration: this.iteration, genAdamStep: this.genAdam.step, discAdamStep: this.discAdam.step },
      rngStates: this.rngs.map((r) => r.state()),
      weights,
      classifier: this.classifier.map((t) => ({ shape: t.shape, data: t.dataSync() as Float32Array })),
      lossSum: this.lossSum.dataSync() as Float32Array,
    });
  }

  /**
   * Restores a trainer from `toCheckpoint`'s Buffer. Throws CorruptCheckpointError (an
   * InputError) if the bytes are damaged or do not describe a consistent trainer.
   */
  static fromCheckpoint(buf: Buffer): CycleGanTrainer {
    const { classifier, rngStates, ...state } = decodeTrainerCheckpoint(buf);
    return new CycleGanTrainer({
      ...state,
      classifier: classifier.map((t) => tf.tensor(t.data, t.shape, 'float32')),
      rngs: rngStates.map((s) => Rng.fromState(s)),
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
      // The total loss is sum_c (advG + advF + lambdaCyc * cyc + lambdaCls * cls); its
      // gradients are propagated by hand (stacked-mlp.ts says why), the cycle term's scaled as
      // spec.cycleLoss reduces it (generator.ts cycleTerm).
      const { loss: cycBoth, dRec } = cycleTerm(rec, swapped, spec.cycleLoss, spec.lambdaCyc);
      const cyc = tf.add(cycBoth.slice([0], [stack]), cycBoth.slice([stack], [stack]));
      const zero = tf.zerosLike(cyc);
      let dFake: tf.Tensor | undefined;
      if (pretrain) {
        losses = tf.keep(lossRecord({ cyc }, zero));
      } else {
        // Adversarial and classification terms depend on the fakes only: their gradient by autodiff.
        let record: tf.Tensor | undefined;
        const { grad } = tf.valueAndGrad((f: tf.Tensor) => {
          const scores = discriminate(d, f, this.layout, slope, leakyRelu);
          const adv = this.objective.generatorLoss(scores);
          const advG = adv.slice([0], [stack]);
          const advF = adv.slice([stack], [stack]);
          const logits = classifierLogits(this.classifier, f.slice([0, 0, 0], [stack, -1, -1]).reshape([stack * this.batch, this.dim]), slope);
          const cls = tf.neg(tf.sum(tf.mul(this.classLabels, tf.logSoftmax(logits)), 1)).reshape([stack, this.batch]).mean(1);
          // Kept here: valueAndGrad disposes what its function created.
          record = tf.keep(lossRecord({ g: advG, f: advF, cyc, cls }, zero));
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
    const slope = this.spec.leakySlope;
    const stack = this.targetClasses.length;
    // Drawn before the step, host-side, from the classes' streams (WGAN-div interpolation weights).
    const noise = this.objective.drawDiscriminatorNoise(this.rngs, this.batch);
    let losses: tf.Tensor | undefined;
    tf.tidy(() => {
      const params = this.d.map((v) => v.read());
      const { loss, penalty, grads } = this.objective.discriminatorGradients({ params, layout: this.layout, slope }, batch.real, batch.fake, noise);
      const lossT = loss.slice([0], [stack]);
      const lossS = loss.slice([stack], [stack]);
      const gpBoth = tf.add(penalty.slice([0], [stack]), penalty.slice([stack], [stack]));
      losses = tf.keep(lossRecord({ dT: lossT, dS: lossS, gp: gpBoth }, tf.zerosLike(lossT)));
      // Release the aliasing reads so ResourceApplyAdam updates in place instead of copying.
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
