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
 * A trainer can also train a group of GANs that differ only in their seed (the repeats of one
 * fold and loss: same data, same spec), as `units` = members x classes in the same stacks, member
 * r's class c at unit r * C + c; each member keeps its own classifier (run as a product of its
 * own: see generatorStep), Rng streams, loss sums, reports and checkpoint (`toCheckpoint(r)`, the
 * bytes a trainer of that member alone writes), and `fromCheckpoints` joins members' checkpoints
 * again. Whether a member trained in a group ends bit for bit where it ends alone depends on how
 * the kernels split and vectorise the larger stacks, which varies with the machine, the threads
 * and the batch (test/unit/compute/cyclegan/cyclegan-group.test.ts checks it on the machine it
 * runs on; `groupKeepsResults` checks it at run time; compute/cyclegan/README.md, "Groups").
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
import { classifierCrossEntropyInputGradient, classifierLogits, trainAuxiliaryClassifier } from './auxiliary-classifier';
import { sampleDistinct } from './batch-sampler';
import type { TrainerCheckpoint } from './checkpoint-codec';
import { decodeTrainerCheckpoint, encodeTrainerCheckpoint, trainerNetworks } from './checkpoint-codec';
import type { DiscriminatorLayout } from './discriminator';
import { discriminateTraced, discriminatorInputGradient, discriminatorSizes } from './discriminator';
import type { CycleGanFoldData, SourceMatrix } from './fold-data';
import { checkFoldData } from './fold-data';
import { FusedAdam } from '../nn/fused-adam';
import type { GanSpec } from './gan-spec';
import { canonicalGanSpec, discriminatorLayoutOf, ganSpecSchema } from './gan-spec';
import { cycleForward, cycleTerm, cycleWeightGradients, generate, generatorSizes } from './generator';
import { ResourceVariable } from '../nn/resource-variable';
import { glorotStackedMlp } from '../nn/stacked-mlp';
import type { EpochLosses, EpochReport, LossName, TrainFoldCallbacks, TrainFoldResult } from './training-report';
import { LOSS_NAMES } from './training-report';

export interface CycleGanTrainerOptions {
  /** Base seed; every stream derives from it and the class name. Never 0. */
  seed: number;
  /**
   * An expected change to what the spec asked, which the caller records rather than warns about:
   * the batch lowered to the size of the smallest class (or source domain). Default:
   * process.emitWarning.
   */
  onAdjustment?: (adjustment: TrainingAdjustment) => void;
  /** Cancels the classifier training of `create`. */
  signal?: AbortSignal;
}

/** An expected change to the spec (CycleGanTrainerOptions.onAdjustment): `key` names the kind and its values, `message` says it. */
export interface TrainingAdjustment {
  key: string;
  message: string;
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
type TrainerInit = Omit<TrainerCheckpoint, 'seed' | 'classifier' | 'rngStates' | 'lossSum'> & {
  /** One per member. */
  seeds: number[];
  /** Each member's classifier layers ([1, in, out] weights, [1, 1, out] biases). */
  classifiers: tf.Tensor[][];
  /** One per unit (member-major). */
  rngs: Rng[];
  /** [units, LOSS_NAMES.length]. */
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
  /** One per member (one for a trainer of one GAN). */
  readonly seeds: number[];
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
  /** Members x target classes: the size of every stack's halves. */
  private readonly units: number;
  /** The source rows, then the target rows of every class: [source rows + targets, D]. */
  private readonly pool: tf.Tensor2D;
  private readonly classLabels: tf.Tensor2D;
  private readonly layout: DiscriminatorLayout;
  /** The adversarial loss of spec.loss, chosen once here. */
  private readonly objective: AdversarialObjective;
  /** Generators [G_1..G_C, F_1..F_C], weights [2C, in, out]. */
  private readonly gf: ResourceVariable[];
  /** Discriminators [D^T_1..D^T_C, D^S_1..D^S_C]. */
  private readonly d: ResourceVariable[];
  private readonly classifiers: tf.Tensor[][];
  private readonly genAdam: FusedAdam;
  private readonly discAdam: FusedAdam;
  private readonly rngs: Rng[];
  private lossSum: tf.Tensor2D;
  private disposed = false;

  private constructor(init: TrainerInit) {
    this.spec = init.spec;
    this.seeds = init.seeds;
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
    this.classifiers = init.classifiers;
    this.objective = adversarialObjective(init.spec);
    const stack = init.targetClasses.length * init.seeds.length;
    this.units = stack;
    const totalTargets = init.targetCounts.reduce((a, n) => a + n, 0);
    const pooled = new Float32Array((init.source.rows + totalTargets) * this.dim);
    pooled.set(init.source.x.subarray(0, init.source.rows * this.dim));
    pooled.set(init.targets.subarray(0, totalTargets * this.dim), init.source.rows * this.dim);
    this.pool = tf.tensor2d(pooled, [init.source.rows + totalTargets, this.dim], 'float32');
    // One-hot targets of one member's classification loss, [C * batch, K]: class c's rows ask for
    // class targetClasses[c]. Every member's are the same.
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
    const { seed, ...rest } = options;
    return CycleGanTrainer.createGroup(specInput, data, { ...rest, seeds: [seed] });
  }

  /**
   * `create` for a group of GANs with the same spec and data, one per seed, trained in one graph
   * (the class comment says how). Member r is the GAN `create` makes with seeds[r].
   */
  static async createGroup(specInput: GanSpec, data: CycleGanFoldData, options: Omit<CycleGanTrainerOptions, 'seed'> & { seeds: number[] }): Promise<CycleGanTrainer> {
    const spec = ganSpecSchema.parse(specInput);
    const adjust = options.onAdjustment ?? ((a: TrainingAdjustment) => process.emitWarning(a.message, 'CycleGanWarning'));
    const { seeds } = options;
    if (seeds.length === 0) throw new InputError({ field: 'seeds', reason: 'a group needs at least one seed', actual: seeds });
    for (const seed of seeds) {
      if (!Number.isInteger(seed) || seed === 0) {
        throw new InputError({ field: 'seed', reason: 'seed must be a non-zero integer (tfjs reads 0 as "no seed")', actual: seed });
      }
    }
    const { train, source, targetClasses, targetCounts, targets } = checkFoldData(data);
    const numClasses = train.classes.length;
    const dim = train.cols;
    const smallest = Math.min(source.rows, ...targetCounts);
    const batch = Math.min(spec.batchSize, smallest);
    if (batch < spec.batchSize) {
      const which = source.rows === smallest ? 'the source domain' : `class '${train.classes[targetClasses[targetCounts.indexOf(smallest)] as number]}'`;
      adjust({ key: `gan-batch-${spec.batchSize}-to-${batch}`, message: `cycle-GAN batch lowered from ${spec.batchSize} to ${batch}: ${which} has only ${smallest} vectors` });
    }
    const iterationsPerEpoch = Math.ceil(Math.max(source.rows, ...targetCounts) / batch);

    const classifierInput = tf.tensor2d(train.x, [train.rows, dim], 'float32');
    const classifiers: tf.Tensor[][] = [];
    try {
      for (const seed of seeds) {
        classifiers.push(await trainAuxiliaryClassifier(
          { x: classifierInput, labels: train.y, numClasses },
          spec.classifier, spec.leakySlope, new Rng(deriveSeed(seed, 'cyclegan', 'classifier')), options.signal,
        ));
      }
    } catch (err) {
      tf.dispose(classifiers.flat());
      throw err;
    } finally {
      classifierInput.dispose();
    }

    const names = targetClasses.map((k) => train.classes[k] as string);
    const streams = (...path: string[]): Rng[] => seeds.flatMap((seed) => names.map((name) => new Rng(deriveSeed(seed, 'cyclegan', ...path, name))));
    const weights = new Map<string, Float32Array>();
    glorotStackedMlp(generatorSizes(dim, spec.hidden), [...streams('init', 'G'), ...streams('init', 'F')]).forEach((w, i) => weights.set(`GF.${i}`, w));
    glorotStackedMlp(discriminatorSizes(discriminatorLayoutOf(spec, dim)), [...streams('init', 'DT'), ...streams('init', 'DS')]).forEach((w, i) => weights.set(`D.${i}`, w));
    return new CycleGanTrainer({
      spec, seeds, classes: [...train.classes], targetClasses, source, targets, targetCounts, batch, iterationsPerEpoch,
      weights, classifiers,
      rngs: streams('train'),
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
    let last: EpochReport[] | undefined;
    while (this.epoch < until) {
      while (this.iteration < this.iterationsPerEpoch) {
        callbacks.signal?.throwIfAborted();
        this.runIteration();
        this.iteration += 1;
        await new Promise(setImmediate);
      }
      last = this.finishEpoch();
      for (const [member, report] of last.entries()) await callbacks.onEpoch?.(report, member);
      if (callbacks.onCheckpoint !== undefined && (this.epoch % this.spec.checkpointEvery === 0 || this.epoch === this.totalEpochs)) {
        for (let member = 0; member < this.seeds.length; member++) await callbacks.onCheckpoint(this.toCheckpoint(member), this.epoch, member);
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
   * real vectors. Labels are `classIndex`. `member`: which GAN of a group.
   */
  generate(classIndex: number, count: number, seed: number, member = 0): LabelledSet {
    this.ensureAlive();
    this.checkMember(member);
    const c = this.targetClasses.indexOf(classIndex);
    if (c < 0) throw new InputError({ field: 'classIndex', reason: 'no GAN was trained for this class', expected: this.targetClasses, actual: classIndex });
    if (!Number.isInteger(count) || count < 0) throw new InputError({ field: 'count', reason: 'count must be a non-negative integer', actual: count });
    const rng = new Rng(seed);
    const out = new Float32Array(count * this.dim);
    const chunk = 512;
    const params = this.gf.map((v) => {
      const all = v.read();
      const one = tf.slice(all, [member * this.targetClasses.length + c, 0, 0], [1, -1, -1]);
      all.dispose();
      return one;
    });
    try {
      for (let start = 0; start < count; start += chunk) {
        const n = Math.min(chunk, count - start);
        const idx = new Int32Array(n);
        for (let i = 0; i < n; i++) idx[i] = rng.int(this.sourceData.rows);
        const values = tf.tidy(() => {
          const s = tf.gather(this.pool, tf.tensor1d(idx, 'int32')).reshape([1, n, this.dim]);
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

  /**
   * Every row this trainer has seen: its source pool S, then its target rows (the auxiliary
   * classifier was fitted on the training set they come from). What the fold-model seam checks
   * against the rows a use augments (compute/fold-models/fit-set-guard.ts).
   */
  seenRows(): { rows: number; cols: number; x: Float32Array } {
    const targets = this.targetCounts.reduce((a, n) => a + n, 0);
    const x = new Float32Array((this.sourceData.rows + targets) * this.dim);
    x.set(this.sourceData.x.subarray(0, this.sourceData.rows * this.dim));
    x.set(this.targetData.subarray(0, targets * this.dim), this.sourceData.rows * this.dim);
    return { rows: this.sourceData.rows + targets, cols: this.dim, x };
  }

  /** The frozen auxiliary classifier's predicted class index per row of x ([rows, dim], row-major). `member`: which GAN of a group. */
  classify(x: Float32Array, rows: number, member = 0): Int32Array {
    this.ensureAlive();
    this.checkMember(member);
    return tf.tidy(() => classifierLogits(this.classifiers[member] as tf.Tensor[], tf.tensor2d(x, [rows, this.dim]), this.spec.leakySlope).argMax(1).dataSync() as Int32Array);
  }

  /**
   * One member's whole training state as one self-checking Buffer (checkpoint-codec.ts): the
   * bytes a trainer of that GAN alone writes at the same point.
   */
  toCheckpoint(member = 0): Buffer {
    this.ensureAlive();
    this.checkMember(member);
    const classes = this.targetClasses.length;
    // Every stack is [first half units, second half units]; the member's rows of each half.
    const own = (values: Float32Array, halves: number): Float32Array => {
      if (this.seeds.length === 1) return values; // no copy of a lone GAN's (up to GBs of) weights
      const row = values.length / (halves * this.units);
      const out = new Float32Array(halves * classes * row);
      for (let h = 0; h < halves; h++) {
        const from = (h * this.units + member * classes) * row;
        out.set(values.subarray(from, from + classes * row), h * classes * row);
      }
      return out;
    };
    const weights = new Map<string, Float32Array>();
    for (const v of [...this.gf, ...this.d, ...this.genAdam.m, ...this.genAdam.v, ...this.discAdam.m, ...this.discAdam.v]) weights.set(v.name, own(v.values(), 2));
    return encodeTrainerCheckpoint({
      spec: this.spec, seed: this.seeds[member] as number, classes: this.classes, targetClasses: this.targetClasses,
      source: this.sourceData, targets: this.targetData, targetCounts: this.targetCounts,
      batch: this.batch, iterationsPerEpoch: this.iterationsPerEpoch,
      counters: { epoch: this.epoch, iteration: this.iteration, genAdamStep: this.genAdam.step, discAdamStep: this.discAdam.step },
      rngStates: this.rngs.slice(member * classes, (member + 1) * classes).map((r) => r.state()),
      weights,
      classifier: (this.classifiers[member] as tf.Tensor[]).map((t) => ({ shape: t.shape, data: t.dataSync() as Float32Array })),
      lossSum: own(this.lossSum.dataSync() as Float32Array, 1),
    });
  }

  /**
   * Restores a trainer from `toCheckpoint`'s Buffer. Throws CorruptCheckpointError (an
   * InputError) if the bytes are damaged or do not describe a consistent trainer.
   */
  static fromCheckpoint(buf: Buffer): CycleGanTrainer {
    return CycleGanTrainer.fromCheckpoints([buf]);
  }

  /**
   * Joins checkpoints of GANs that differ only in their seed and weights (one fold's repeats, at
   * the same iteration) into one group trainer, member r from bufs[r]. Throws
   * CorruptCheckpointError for damaged bytes and InputError for checkpoints that cannot be trained
   * together.
   */
  static fromCheckpoints(bufs: Buffer[]): CycleGanTrainer {
    const states = bufs.map((buf) => decodeTrainerCheckpoint(buf));
    const first = states[0];
    if (first === undefined) throw new InputError({ field: 'checkpoints', reason: 'no checkpoint to restore', actual: 0 });
    for (const [r, state] of states.entries()) {
      const mismatch = groupMismatch(first, state);
      if (mismatch !== undefined) throw new InputError({ field: `checkpoints[${r}]`, reason: `cannot be trained with checkpoint 0: ${mismatch} differs`, actual: mismatch });
    }
    // Member-major within each half of every stack (the class comment).
    const join = (parts: Float32Array[], halves: number): Float32Array => {
      if (parts.length === 1) return parts[0] as Float32Array;
      const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
      let at = 0;
      for (let h = 0; h < halves; h++) {
        for (const p of parts) {
          const half = p.length / halves;
          out.set(p.subarray(h * half, (h + 1) * half), at);
          at += half;
        }
      }
      return out;
    };
    const weights = new Map<string, Float32Array>();
    for (const name of first.weights.keys()) weights.set(name, join(states.map((s) => s.weights.get(name) as Float32Array), 2));
    return new CycleGanTrainer({
      ...first,
      seeds: states.map((s) => s.seed),
      weights,
      classifiers: states.map((s) => s.classifier.map((t) => tf.tensor(t.data, t.shape, 'float32'))),
      rngs: states.flatMap((s) => s.rngStates.map((state) => Rng.fromState(state))),
      lossSum: join(states.map((s) => s.lossSum), 1),
    });
  }

  /** Frees every tensor and variable. The trainer is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.genAdam.destroy();
    this.discAdam.destroy();
    for (const v of [...this.gf, ...this.d]) v.destroy();
    tf.dispose([this.pool, this.classLabels, this.lossSum, ...this.classifiers.flat()]);
  }

  private ensureAlive(): void {
    if (this.disposed) throw new Error('CycleGanTrainer was disposed');
  }

  private checkMember(member: number): void {
    if (!Number.isInteger(member) || member < 0 || member >= this.seeds.length) {
      throw new InputError({ field: 'member', reason: `this trainer holds ${this.seeds.length} GAN(s)`, expected: `0..${this.seeds.length - 1}`, actual: member });
    }
  }

  /**
   * Rows of `pool` for one mini-batch per unit, in the generator stack's order [s; t] (source
   * batches, then target batches, [2 x units x batch]) and in the swapped order [t; s] of the
   * cycle targets and the real samples; each gathered by one kernel.
   */
  private sampleBatch(): { input: Int32Array; swapped: Int32Array } {
    const stack = this.units;
    const classes = this.targetClasses.length;
    const half = stack * this.batch;
    const input = new Int32Array(2 * half);
    for (let u = 0; u < stack; u++) {
      const rng = this.rngs[u] as Rng;
      const c = u % classes;
      sampleDistinct(rng, this.sourceData.rows, this.batch, input, u * this.batch);
      sampleDistinct(rng, this.targetCounts[c] as number, this.batch, input, half + u * this.batch, this.sourceData.rows + (this.targetOffsets[c] as number));
    }
    const swapped = new Int32Array(2 * half);
    swapped.set(input.subarray(half));
    swapped.set(input.subarray(0, half), half);
    return { input, swapped };
  }

  /**
   * One joint update of G and F. Returns the per-class loss record [C, 7] (kept) and, when
   * asked, the real and fake batches (kept, detached) for the discriminator step, both stacked
   * like the discriminators: real [t; s], fake [G(s); F(t)], [2C, batch, D].
   */
  private generatorStep(lr: number, pretrain: boolean, keepFakes: boolean): { losses: tf.Tensor; fakes?: DiscriminatorBatch } {
    const stack = this.units;
    const members = this.seeds.length;
    const rows = this.sampleBatch();
    const spec = this.spec;
    const slope = spec.leakySlope;
    const shape = [2 * stack, this.batch, this.dim];
    let losses: tf.Tensor | undefined;
    let fakes: DiscriminatorBatch | undefined;
    tf.tidy(() => {
      const input = tf.gather(this.pool, tf.tensor1d(rows.input, 'int32')).reshape(shape);
      const swapped = tf.gather(this.pool, tf.tensor1d(rows.swapped, 'int32')).reshape(shape);
      const params = this.gf.map((v) => v.read());
      const d = pretrain ? [] : this.d.map((v) => v.read());
      const passes = cycleForward(params, input, slope);
      const { fake, rec } = passes;
      // rec = [recT; recS] is compared with [t; s]; the two directions summed per class.
      // The total loss is sum_c (advG + advF + lambdaCyc * cyc + lambdaCls * cls); its
      // gradients are propagated by hand (stacked-mlp.ts says why), the cycle term's scaled as
      // spec.cycleLoss reduces it (generator.ts cycleTerm).
      const { loss: cycBoth, dRec } = cycleTerm(rec, swapped, spec.cycleLoss, spec.lambdaCyc, members);
      const cyc = tf.add(cycBoth.slice([0], [stack]), cycBoth.slice([stack], [stack]));
      const zero = tf.zerosLike(cyc);
      let dFake: tf.Tensor | undefined;
      if (pretrain) {
        losses = tf.keep(lossRecord({ cyc }, zero));
      } else {
        // The adversarial and classification terms depend on the fakes only; their gradient with
        // respect to the fakes is backpropagated by hand too, through the discriminators and the
        // frozen classifiers (whose weights need no gradient).
        const scored = discriminateTraced(d, fake, this.layout, slope);
        const adversarial = this.objective.generatorTerm(scored.scores);
        const dAdversarial = discriminatorInputGradient(d, scored, adversarial.dScores, this.layout, slope);
        // Each member's G(s) through its own classifier and cross-entropy, one member at a time,
        // on tensors shaped as alone: as one product batched over the members, a member's share
        // could be split over threads otherwise than alone (measured with 3 members on 2
        // threads: the middle one's input gradient differed), and one logSoftmax over all
        // members would take a lone GAN's last values off exp's scalar path (vector-path.ts).
        const perMember = stack / members;
        const classification = this.classifiers.map((own, r) => classifierCrossEntropyInputGradient(
          own, fake.slice([r * perMember, 0, 0], [perMember, -1, -1]).reshape([perMember * this.batch, this.dim]), this.classLabels, slope, spec.lambdaCls / this.batch,
        ));
        const cls = tf.concat(classification.map((c) => c.loss.reshape([perMember, this.batch]).mean(1)), 0);
        losses = tf.keep(lossRecord({ g: adversarial.loss.slice([0], [stack]), f: adversarial.loss.slice([stack], [stack]), cyc, cls }, zero));
        // The classifiers see G(s) only: the first half of the fakes.
        const dClassification = tf.concat(classification.map((c) => c.dInput.reshape([perMember, this.batch, this.dim])), 0);
        dFake = tf.add(dAdversarial, tf.pad(dClassification, [[0, stack], [0, 0], [0, 0]]));
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
    const stack = this.units;
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
      // An autodiff objective returns them kept (they leave its valueAndGrads scope), so this
      // tidy would not free them: two tensors per iteration of a 'ce' training used to leak.
      tf.dispose([loss, penalty]);
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

  /** Closes the epoch: one report per member. */
  private finishEpoch(): EpochReport[] {
    const lr = this.currentLearningRate();
    const phase = this.epoch < this.spec.pretrainEpochs ? 'pretrain' : 'adversarial';
    const sums = this.lossSum.dataSync();
    this.lossSum.dispose();
    this.lossSum = tf.zeros([this.units, LOSS_NAMES.length]);
    this.epoch += 1;
    this.iteration = 0;
    const classes = this.targetClasses.length;
    return this.seeds.map((seed, member) => {
      const classLosses: Record<string, EpochLosses> = {};
      const mean = Object.fromEntries(LOSS_NAMES.map((k) => [k, 0])) as EpochLosses;
      this.targetClasses.forEach((k, c) => {
        const name = this.classes[k] as string;
        const row = (member * classes + c) * LOSS_NAMES.length;
        const losses = Object.fromEntries(LOSS_NAMES.map((key, j) => [key, (sums[row + j] as number) / this.iterationsPerEpoch])) as EpochLosses;
        for (const key of LOSS_NAMES) {
          if (!Number.isFinite(losses[key])) {
            const which = this.seeds.length > 1 ? ` (seed ${seed})` : '';
            throw new NumericalError(`cycle-GAN training diverged in epoch ${this.epoch} (${phase}): class '${name}'${which} has ${key} loss ${losses[key]}`, { epoch: this.epoch, phase, class: name, loss: key, value: losses[key] });
          }
          mean[key] += losses[key] / classes;
        }
        classLosses[name] = losses;
      });
      return { epoch: this.epoch, phase, lr, losses: mean, classLosses };
    });
  }
}

/** The first field in which two checkpoints differ that a group's members must share, if any. */
function groupMismatch(a: TrainerCheckpoint, b: TrainerCheckpoint): string | undefined {
  const same = (x: ArrayLike<number>, y: ArrayLike<number>): boolean => x.length === y.length && Array.prototype.every.call(x, (v: number, i: number) => Object.is(v, y[i]));
  if (JSON.stringify(canonicalGanSpec(a.spec)) !== JSON.stringify(canonicalGanSpec(b.spec))) return 'spec';
  if (JSON.stringify(a.classes) !== JSON.stringify(b.classes) || !same(a.targetClasses, b.targetClasses) || !same(a.targetCounts, b.targetCounts)) return 'classes';
  if (a.batch !== b.batch || a.iterationsPerEpoch !== b.iterationsPerEpoch) return 'batch';
  if (JSON.stringify(a.counters) !== JSON.stringify(b.counters)) return 'training progress (counters)';
  if (!same(a.source.x.subarray(0, a.source.rows * a.source.cols), b.source.x.subarray(0, b.source.rows * b.source.cols)) || !same(a.targets, b.targets)) return 'data';
  return undefined;
}
