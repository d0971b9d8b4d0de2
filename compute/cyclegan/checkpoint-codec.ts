/**
 * The trainer checkpoint codec: a CycleGanTrainer's whole state (TrainerCheckpoint, plain arrays)
 * to and from the self-checking bytes of checkpoint-format.ts.
 *
 * The header's `meta` is the trainer's spec (as canonicalGanSpec records it: a field added later
 * appears only when it differs from its old behaviour), counters and Rng states (schema below:
 * format 'serflow.cyclegan.trainer', version 1); the tensors are, in this order: source, targets, the
 * generator stack GF.i and the discriminator stack D.i, their Adam moments (genAdam.m.GF.i,
 * genAdam.v.GF.i, ..., discAdam.m.D.i, ...), the frozen classifier classifier.i, and lossSum.
 * Every checkpoint written so far uses exactly this layout, so the names, the order and the meta
 * keys stay as they are: a change needs a new version and a decoder for the old one.
 *
 * Decoding checks more than the bytes: the header must describe a trainer, and every tensor must
 * have the shape the spec implies. Anything else is a CorruptCheckpointError (an InputError).
 */
import { z } from 'zod';
import type { RngState } from '../random';
import type { CheckpointTensor } from './checkpoint-format';
import { CorruptCheckpointError, decodeCheckpoint, encodeCheckpoint } from './checkpoint-format';
import { discriminatorShapes } from './discriminator';
import type { SourceMatrix } from './fold-data';
import type { GanSpec } from './gan-spec';
import { canonicalGanSpec, discriminatorLayoutOf, ganSpecSchema } from './gan-spec';
import { generatorShapes } from './generator';
import { stackedMlpShapes } from '../nn/stacked-mlp';
import { LOSS_NAMES } from './training-report';

const trainerCheckpointMetaSchema = z.strictObject({
  format: z.literal('serflow.cyclegan.trainer'),
  version: z.literal(1),
  spec: ganSpecSchema,
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

/** Where training is: completed epochs, the iteration inside the current one, the two Adam step counts. */
export interface TrainingCounters {
  epoch: number;
  iteration: number;
  genAdamStep: number;
  discAdamStep: number;
}

/** One frozen classifier layer tensor (weights or bias, stacked with C = 1). */
export interface ClassifierTensor {
  shape: number[];
  data: Float32Array;
}

/** Everything a trainer needs to continue exactly where it was, as plain arrays. */
export interface TrainerCheckpoint {
  spec: GanSpec;
  seed: number;
  classes: string[];
  targetClasses: number[];
  /** The source domain S; its `cols` is the feature dimension. */
  source: SourceMatrix;
  /** Target rows of every target class, concatenated in targetClasses order. */
  targets: Float32Array;
  targetCounts: number[];
  batch: number;
  iterationsPerEpoch: number;
  counters: TrainingCounters;
  /** One per target class, in targetClasses order. */
  rngStates: RngState[];
  /** Network weights and Adam moments by variable name (`trainerNetworks` names them). */
  weights: Map<string, Float32Array>;
  classifier: ClassifierTensor[];
  /** The running epoch-loss sums, [targetClasses.length, LOSS_NAMES.length] row-major. */
  lossSum: Float32Array;
}

/** A stack of networks the trainer trains, as the checkpoint names it. */
export interface TrainerNetwork {
  /** Variable i is `${prefix}.${i}`. */
  prefix: 'GF' | 'D';
  /** Its Adam moments are `${optimiser}.m.${prefix}.${i}` and `${optimiser}.v.${prefix}.${i}`. */
  optimiser: 'genAdam' | 'discAdam';
  shapes: number[][];
}

/**
 * The trainer's two network stacks, in checkpoint order: the generators [G_1..G_C, F_1..F_C]
 * and the discriminators [D^T_1..D^T_C, D^S_1..D^S_C], for `stack` = C target classes.
 */
export function trainerNetworks(spec: GanSpec, dim: number, stack: number): TrainerNetwork[] {
  return [
    { prefix: 'GF', optimiser: 'genAdam', shapes: generatorShapes(2 * stack, dim, spec.hidden) },
    { prefix: 'D', optimiser: 'discAdam', shapes: discriminatorShapes(2 * stack, discriminatorLayoutOf(spec, dim)) },
  ];
}

/** The trainer state as one self-checking Buffer (checkpoint-format.ts). */
export function encodeTrainerCheckpoint(state: TrainerCheckpoint): Buffer {
  const dim = state.source.cols;
  const stack = state.targetClasses.length;
  // Built key by key: the header is JSON, and this order is the one every checkpoint has. The
  // spec without the fields added later at their old behaviour (canonicalGanSpec): a training
  // that does not use them writes the bytes it wrote before they existed; decoding fills them in.
  const meta: z.input<typeof trainerCheckpointMetaSchema> = {
    format: 'serflow.cyclegan.trainer',
    version: 1,
    spec: canonicalGanSpec(state.spec),
    seed: state.seed,
    classes: state.classes,
    targetClasses: state.targetClasses,
    dim,
    sourceRows: state.source.rows,
    targetCounts: state.targetCounts,
    batch: state.batch,
    iterationsPerEpoch: state.iterationsPerEpoch,
    epoch: state.counters.epoch,
    iteration: state.counters.iteration,
    genAdamStep: state.counters.genAdamStep,
    discAdamStep: state.counters.discAdamStep,
    classifierLayers: state.classifier.length,
    rngStates: state.rngStates,
  };
  const weight = (name: string): Float32Array => {
    const data = state.weights.get(name);
    if (data === undefined) throw new Error(`checkpoint: no values for ${name}`);
    return data;
  };
  const networks = trainerNetworks(state.spec, dim, stack);
  const tensors: CheckpointTensor[] = [
    { name: 'source', shape: [state.source.rows, dim], data: state.source.x.subarray(0, state.source.rows * dim) },
    { name: 'targets', shape: [state.targets.length / dim, dim], data: state.targets },
  ];
  for (const { prefix, shapes } of networks) {
    shapes.forEach((shape, i) => tensors.push({ name: `${prefix}.${i}`, shape, data: weight(`${prefix}.${i}`) }));
  }
  for (const { prefix, optimiser, shapes } of networks) {
    shapes.forEach((shape, i) => {
      for (const moment of ['m', 'v']) {
        const name = `${optimiser}.${moment}.${prefix}.${i}`;
        tensors.push({ name, shape, data: weight(name) });
      }
    });
  }
  state.classifier.forEach((t, i) => tensors.push({ name: `classifier.${i}`, shape: t.shape, data: t.data }));
  tensors.push({ name: 'lossSum', shape: [stack, LOSS_NAMES.length], data: state.lossSum });
  return encodeCheckpoint(meta, tensors);
}

/**
 * The trainer state in `encodeTrainerCheckpoint`'s bytes. Throws CorruptCheckpointError if the
 * bytes are damaged or do not describe a consistent trainer.
 */
export function decodeTrainerCheckpoint(buf: Buffer): TrainerCheckpoint {
  const decoded = decodeCheckpoint(buf);
  const parsed = trainerCheckpointMetaSchema.safeParse(decoded.meta);
  if (!parsed.success) throw new CorruptCheckpointError(`header does not describe a trainer: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const meta = parsed.data;
  const stack = meta.targetClasses.length;
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
  for (const { prefix, optimiser, shapes } of trainerNetworks(meta.spec, meta.dim, stack)) {
    shapes.forEach((shape, i) => {
      const name = `${prefix}.${i}`;
      weights.set(name, expect(name, shape));
      weights.set(`${optimiser}.m.${name}`, expect(`${optimiser}.m.${name}`, shape));
      weights.set(`${optimiser}.v.${name}`, expect(`${optimiser}.v.${name}`, shape));
    });
  }
  const classifierShapes = decodedClassifierShapes(decoded.tensors, meta.classifierLayers, meta.dim, meta.classes.length);
  const source = expect('source', [meta.sourceRows, meta.dim]);
  const targets = expect('targets', [totalTargets, meta.dim]);
  const lossSum = expect('lossSum', [stack, LOSS_NAMES.length]);
  const classifier = classifierShapes.map((shape, i) => ({ shape, data: expect(`classifier.${i}`, shape) }));
  return {
    spec: meta.spec, seed: meta.seed, classes: meta.classes, targetClasses: meta.targetClasses,
    source: { rows: meta.sourceRows, cols: meta.dim, x: source }, targets, targetCounts: meta.targetCounts,
    batch: meta.batch, iterationsPerEpoch: meta.iterationsPerEpoch,
    counters: { epoch: meta.epoch, iteration: meta.iteration, genAdamStep: meta.genAdamStep, discAdamStep: meta.discAdamStep },
    rngStates: meta.rngStates, weights, classifier, lossSum,
  };
}

/**
 * The classifier's layer shapes, read from its tensors (its hidden sizes are not in the header),
 * checked to chain from the feature dimension to the class count.
 */
export function decodedClassifierShapes(tensors: Map<string, CheckpointTensor>, layers: number, dim: number, numClasses: number): number[][] {
  const shapes: number[][] = [];
  for (let i = 0; i < layers; i++) {
    const t = tensors.get(`classifier.${i}`);
    if (t === undefined) throw new CorruptCheckpointError(`tensor classifier.${i} is missing`);
    shapes.push(t.shape);
  }
  const sizes = [dim, ...shapes.filter((_, i) => i % 2 === 0).map((s) => s[2] as number)];
  const expected = stackedMlpShapes(1, sizes);
  if (layers % 2 !== 0 || sizes[sizes.length - 1] !== numClasses || expected.some((s, i) => JSON.stringify(s) !== JSON.stringify(shapes[i]))) {
    throw new CorruptCheckpointError('classifier tensors do not chain from the feature dimension to the class count');
  }
  return shapes;
}
