/**
 * The network of Chen et al. 2018's ACRNN as plain weight tensors and functions: its parameters,
 * their initialisation, the forward pass, one training step, and its state for checkpoints.
 * compute/classify/acrnn.ts trains it on segments; bench/acrnn-step.ts times one step.
 *
 *   input [batch, frames, bands, channels]  (time x frequency "images", NHWC)
 *   conv kernel[0] x kernel[1] (time x frequency), convMaps[0] maps, same padding, leaky ReLU
 *   max pool pool[0] x pool[1], stride = size (valid; computed before the bias and activation,
 *     which commute with it)
 *   conv ... convMaps[1..] maps, same padding, leaky ReLU each
 *   per pooled time step: its frequency x maps values -> linear units, leaky ReLU
 *   bidirectional LSTM, lstmUnits per direction (compute/nn/bidirectional-lstm.ts)
 *   attention pooling over time (compute/nn/attention-pooling.ts)
 *   fully connected fcUnits (no bias: the batch normalisation's beta is it), batch
 *     normalisation, leaky ReLU
 *   dense to the classes, softmax
 *
 * Written with tfjs ops and differentiated by tfjs (tf.valueAndGrads), except two parts whose
 * backward passes are TensorFlow kernels called by name: the LSTM (BlockLSTMV2 and its gradient
 * kernel, one kernel per direction instead of a dozen per time step) and the leaky ReLU (one
 * LeakyReluGrad kernel instead of tfjs's three over the largest activations). Parameters live in
 * TensorFlow resource variables updated by the fused Adam kernel (compute/nn/fused-adam.ts).
 *
 * Batch normalisation as Keras's BatchNormalization: batch statistics (biased variance) in
 * training, running averages (momentum 0.99, epsilon 1e-3) at inference; the running averages
 * are network state (checkpointed, restored with the best weights).
 *
 * Initialisation, from one seeded stream in parameter order: Glorot-uniform kernels (a
 * convolution's fans are kernel area x maps, as Keras counts them), zero biases; the LSTM as
 * Keras: Glorot-uniform input weights, orthogonal recurrent weights, forget-gate bias 1; the
 * attention vector zero (the pooling starts as a plain mean over time); batch normalisation
 * gamma 1, beta 0. The authors' code drew every weight from a normal of deviation 0.1, which
 * grows the activations by about six times per convolution layer at 256 maps.
 */
import type { Rng } from '../random';
import { tf } from '../tf';
import { attentionPooling } from './attention-pooling';
import { bidirectionalLstm, lstmShapes } from './bidirectional-lstm';
import { FusedAdam } from './fused-adam';
import { leakyReluOneKernelGradient } from './leaky-relu-one-kernel-gradient';
import { ResourceVariable } from './resource-variable';

/** The network's shape: the architecture fields of compute/classify/acrnn-spec.ts. */
export interface AcrnnArchitecture {
  channels: number;
  segmentFrames: number;
  convMaps: number[];
  kernel: [number, number];
  pool: [number, number];
  linear: number;
  lstmUnits: number;
  fcUnits: number;
  leakyAlpha: number;
}

/** What the data decides: mel bands per frame and classes. */
export interface AcrnnIo {
  bands: number;
  classes: number;
}

export const BATCH_NORM_MOMENTUM = 0.99;
export const BATCH_NORM_EPSILON = 1e-3;
/** tf.train.AdamOptimizer's defaults (the authors' optimiser). */
const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

type Init = 'glorot' | 'zeros' | 'ones' | 'lstmKernel' | 'lstmBias';

export interface ParameterShape {
  name: string;
  shape: number[];
  init: Init;
}

/** Time steps and frequency bins after the pooling. Throws RangeError when a side pools to nothing. */
export function pooledSize(arch: AcrnnArchitecture, bands: number): { time: number; frequency: number } {
  const time = Math.floor(arch.segmentFrames / arch.pool[0]);
  const frequency = Math.floor(bands / arch.pool[1]);
  if (time < 1 || frequency < 1) throw new RangeError(`a ${arch.segmentFrames} x ${bands} segment pools to ${time} x ${frequency} with pool ${JSON.stringify(arch.pool)}`);
  return { time, frequency };
}

/** The trained parameters in order, with their shapes and initialisers. */
export function acrnnParameterShapes(arch: AcrnnArchitecture, io: AcrnnIo): ParameterShape[] {
  const out: ParameterShape[] = [];
  const [kt, kf] = arch.kernel;
  let maps = arch.channels;
  arch.convMaps.forEach((m, i) => {
    out.push({ name: `conv.${i}.kernel`, shape: [kt, kf, maps, m], init: 'glorot' }, { name: `conv.${i}.bias`, shape: [m], init: 'zeros' });
    maps = m;
  });
  const { frequency } = pooledSize(arch, io.bands);
  out.push({ name: 'linear.kernel', shape: [frequency * maps, arch.linear], init: 'glorot' }, { name: 'linear.bias', shape: [arch.linear], init: 'zeros' });
  const lstm = lstmShapes(arch.linear, arch.lstmUnits);
  for (const direction of ['forward', 'backward']) {
    out.push({ name: `lstm.${direction}.kernel`, shape: lstm.kernel, init: 'lstmKernel' }, { name: `lstm.${direction}.bias`, shape: lstm.bias, init: 'lstmBias' });
  }
  const pooled = 2 * arch.lstmUnits;
  out.push(
    { name: 'attention.u', shape: [pooled, 1], init: 'zeros' },
    { name: 'fc.kernel', shape: [pooled, arch.fcUnits], init: 'glorot' },
    { name: 'bn.gamma', shape: [arch.fcUnits], init: 'ones' },
    { name: 'bn.beta', shape: [arch.fcUnits], init: 'zeros' },
    { name: 'output.kernel', shape: [arch.fcUnits, io.classes], init: 'glorot' },
    { name: 'output.bias', shape: [io.classes], init: 'zeros' },
  );
  return out;
}

/** Initial values of every parameter, drawn from `rng` in parameter order. */
export function initialAcrnnParameters(shapes: ParameterShape[], rng: Rng): Float32Array[] {
  return shapes.map(({ shape, init }) => {
    const size = shape.reduce((a, c) => a * c, 1);
    const out = new Float32Array(size);
    if (init === 'ones') out.fill(1);
    if (init === 'glorot') glorotInto(out, shape, rng);
    if (init === 'lstmBias') out.fill(1, size / 4, size / 2);
    if (init === 'lstmKernel') {
      const units = (shape[1] as number) / 4;
      const inputs = (shape[0] as number) - units;
      const inputPart = out.subarray(0, inputs * 4 * units);
      glorotInto(inputPart, [inputs, 4 * units], rng);
      out.set(orthogonalRows(units, 4 * units, rng), inputs * 4 * units);
    }
    return out;
  });
}

/** Glorot-uniform: limit sqrt(6 / (fan_in + fan_out)), fans as Keras counts them (receptive field x maps). */
function glorotInto(out: Float32Array, shape: number[], rng: Rng): void {
  const receptive = shape.slice(0, -2).reduce((a, c) => a * c, 1);
  const fanIn = receptive * (shape[shape.length - 2] as number);
  const fanOut = receptive * (shape[shape.length - 1] as number);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * limit;
}

/** A rows x cols matrix (rows <= cols) with orthonormal rows: Gram-Schmidt on normal draws, in float64. */
function orthogonalRows(rows: number, cols: number, rng: Rng): Float32Array {
  const m = Array.from({ length: rows }, () => Float64Array.from({ length: cols }, () => rng.normal()));
  for (let r = 0; r < rows; r++) {
    const row = m[r] as Float64Array;
    for (let p = 0; p < r; p++) {
      const prev = m[p] as Float64Array;
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += (row[j] as number) * (prev[j] as number);
      for (let j = 0; j < cols; j++) row[j] = (row[j] as number) - dot * (prev[j] as number);
    }
    let norm = 0;
    for (let j = 0; j < cols; j++) norm += (row[j] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let j = 0; j < cols; j++) row[j] = (row[j] as number) / norm;
  }
  const out = new Float32Array(rows * cols);
  m.forEach((row, r) => out.set(row, r * cols));
  return out;
}

/** How the batch normalisation normalises: by the batch (training) or by given running averages (inference). */
export type BatchNormMode = { kind: 'batch' } | { kind: 'running'; mean: tf.Tensor; variance: tf.Tensor };

export interface AcrnnForward {
  logits: tf.Tensor2D;
  /** The batch's mean and (biased) variance of the fully connected layer, in 'batch' mode. */
  batchMean?: tf.Tensor;
  batchVariance?: tf.Tensor;
}

/**
 * Logits [batch, classes] of x [batch, segmentFrames, bands, channels], given the parameter
 * values in acrnnParameterShapes's order. Differentiable with respect to them. The four parts
 * below compose it; bench/acrnn-step.ts times each alone.
 */
export function acrnnForward(params: tf.Tensor[], x: tf.Tensor4D, arch: AcrnnArchitecture, norm: BatchNormMode): AcrnnForward {
  return acrnnHead(params, acrnnRecurrent(params, acrnnLinear(params, acrnnConvStack(params, x, arch), arch), arch), arch, norm);
}

/** Where each part's parameters start in acrnnParameterShapes's order. */
function partOffsets(arch: AcrnnArchitecture): { linear: number; lstm: number; head: number } {
  const linear = 2 * arch.convMaps.length;
  return { linear, lstm: linear + 2, head: linear + 6 };
}

/** The convolutions and the pooling: x [batch, segmentFrames, bands, channels] -> [batch, time, frequency, maps]. */
export function acrnnConvStack(params: tf.Tensor[], x: tf.Tensor4D, arch: AcrnnArchitecture): tf.Tensor4D {
  const alpha = arch.leakyAlpha;
  let h: tf.Tensor4D = x;
  for (let layer = 0; layer < arch.convMaps.length; layer++) {
    let conv = tf.conv2d(h, params[2 * layer] as tf.Tensor4D, 1, 'same');
    // Pooling first: max(leaky(c + b)) = leaky(max(c) + b), as both are increasing per map, and
    // the bias and activation then run on a pooled tensor (pool area times smaller).
    if (layer === 0) conv = tf.maxPool(conv, arch.pool, arch.pool, 'valid');
    h = leakyReluOneKernelGradient(tf.add(conv, params[2 * layer + 1] as tf.Tensor), alpha) as tf.Tensor4D;
  }
  return h;
}

/** Each pooled time step's frequency x maps values through the linear layer, time-major for the LSTM: [time, batch, linear]. */
export function acrnnLinear(params: tf.Tensor[], h: tf.Tensor4D, arch: AcrnnArchitecture): tf.Tensor3D {
  const k = partOffsets(arch).linear;
  const [batch, time, frequency, maps] = h.shape;
  const linear = leakyReluOneKernelGradient(tf.add(tf.matMul(h.reshape([batch * time, frequency * maps]), params[k] as tf.Tensor), params[k + 1] as tf.Tensor), arch.leakyAlpha);
  return tf.transpose(linear.reshape([batch, time, arch.linear]), [1, 0, 2]) as tf.Tensor3D;
}

/** The bidirectional LSTM: [time, batch, linear] -> [time, batch, 2 lstmUnits]. */
export function acrnnRecurrent(params: tf.Tensor[], sequence: tf.Tensor3D, arch: AcrnnArchitecture): tf.Tensor3D {
  const k = partOffsets(arch).lstm;
  const p = (i: number): tf.Tensor => params[k + i] as tf.Tensor;
  return bidirectionalLstm(sequence, { kernel: p(0), bias: p(1) }, { kernel: p(2), bias: p(3) });
}

/** Attention pooling, the batch-normalised fully connected layer and the dense layer to the classes' logits. */
export function acrnnHead(params: tf.Tensor[], recurrent: tf.Tensor3D, arch: AcrnnArchitecture, norm: BatchNormMode): AcrnnForward {
  const k = partOffsets(arch).head;
  const p = (i: number): tf.Tensor => params[k + i] as tf.Tensor;
  const pooled = attentionPooling(recurrent, p(0));
  const fc = tf.matMul(pooled, p(1));
  const gamma = p(2);
  const beta = p(3);
  let normalised: tf.Tensor;
  let batchMean: tf.Tensor | undefined;
  let batchVariance: tf.Tensor | undefined;
  if (norm.kind === 'batch') {
    const moments = tf.moments(fc, 0);
    batchMean = moments.mean;
    batchVariance = moments.variance;
    normalised = tf.batchNorm(fc, batchMean, batchVariance, beta, gamma, BATCH_NORM_EPSILON);
  } else {
    normalised = tf.batchNorm(fc, norm.mean, norm.variance, beta, gamma, BATCH_NORM_EPSILON);
  }
  const hidden = leakyReluOneKernelGradient(normalised, arch.leakyAlpha);
  const logits = tf.add(tf.matMul(hidden, p(4)), p(5)) as tf.Tensor2D;
  return { logits, ...(batchMean && batchVariance ? { batchMean, batchVariance } : {}) };
}

/** The network's whole trainable and running state, as plain arrays, by name. */
export interface AcrnnNetworkState {
  /** Parameters by name; `adam.m.<name>`, `adam.v.<name>`; `bn.runningMean`, `bn.runningVariance`. */
  tensors: Map<string, Float32Array>;
  adamStep: number;
}

/** Parameters, batch-norm running averages and Adam state of one ACRNN, in resource variables. */
export class AcrnnNetwork {
  readonly shapes: ParameterShape[];
  readonly params: ResourceVariable[];
  readonly runningMean: ResourceVariable;
  readonly runningVariance: ResourceVariable;
  readonly adam: FusedAdam;
  private destroyed = false;

  constructor(readonly arch: AcrnnArchitecture, readonly io: AcrnnIo, readonly lr: number, initial: Float32Array[]) {
    this.shapes = acrnnParameterShapes(arch, io);
    if (initial.length !== this.shapes.length) throw new Error(`ACRNN: ${initial.length} initial tensors for ${this.shapes.length} parameters`);
    this.params = this.shapes.map((s, i) => new ResourceVariable(s.name, s.shape, initial[i] as Float32Array));
    this.runningMean = new ResourceVariable('bn.runningMean', [arch.fcUnits], 'zeros');
    this.runningVariance = new ResourceVariable('bn.runningVariance', [arch.fcUnits], new Float32Array(arch.fcUnits).fill(1));
    this.adam = new FusedAdam('adam', this.params, ADAM);
  }

  /** Copies of the parameter values, in parameter order. */
  weights(): Float32Array[] {
    return this.params.map((p) => p.values());
  }

  state(): AcrnnNetworkState {
    const tensors = new Map<string, Float32Array>();
    this.params.forEach((p) => tensors.set(p.name, p.values()));
    this.params.forEach((p, i) => {
      tensors.set(`adam.m.${p.name}`, (this.adam.m[i] as ResourceVariable).values());
      tensors.set(`adam.v.${p.name}`, (this.adam.v[i] as ResourceVariable).values());
    });
    tensors.set('bn.runningMean', this.runningMean.values());
    tensors.set('bn.runningVariance', this.runningVariance.values());
    return { tensors, adamStep: this.adam.step };
  }

  /** Sets every value of `state` (a state() of a network of the same architecture and io). */
  load(state: AcrnnNetworkState): void {
    const get = (name: string): Float32Array => {
      const v = state.tensors.get(name);
      if (v === undefined) throw new Error(`ACRNN state: no values for ${name}`);
      return v;
    };
    this.params.forEach((p, i) => {
      p.assign(get(p.name));
      (this.adam.m[i] as ResourceVariable).assign(get(`adam.m.${p.name}`));
      (this.adam.v[i] as ResourceVariable).assign(get(`adam.v.${p.name}`));
    });
    this.runningMean.assign(get('bn.runningMean'));
    this.runningVariance.assign(get('bn.runningVariance'));
    this.adam.step = state.adamStep;
  }

  /** What inference uses: the parameters and the running averages (early stopping keeps the best). */
  inferenceSnapshot(): tf.Tensor[] {
    // Reads alias the variables; TensorFlow copies a buffer before an in-place update while a read is alive.
    return [...this.params.map((p) => p.read()), this.runningMean.read(), this.runningVariance.read()];
  }

  /** Sets the parameters and running averages from an inferenceSnapshot() (the tensors stay the caller's). */
  restoreInference(snapshot: tf.Tensor[]): void {
    this.params.forEach((p, i) => p.assign(snapshot[i] as tf.Tensor));
    this.runningMean.assign(snapshot[this.params.length] as tf.Tensor);
    this.runningVariance.assign(snapshot[this.params.length + 1] as tf.Tensor);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.params.forEach((p) => p.destroy());
    this.runningMean.destroy();
    this.runningVariance.destroy();
    this.adam.destroy();
    this.destroyed = true;
  }
}

/** A freshly initialised network (Adam at step 0, running averages 0 and 1). */
export function createAcrnnNetwork(arch: AcrnnArchitecture, io: AcrnnIo, lr: number, rng: Rng): AcrnnNetwork {
  return new AcrnnNetwork(arch, io, lr, initialAcrnnParameters(acrnnParameterShapes(arch, io), rng));
}

/**
 * One Adam step on a batch x [batch, segmentFrames, bands, channels] with one-hot labels
 * [batch, classes]: mean softmax cross-entropy, batch statistics in the batch normalisation, whose
 * running averages are then updated. Returns the batch's loss (on the backend, not read back).
 */
export function acrnnTrainingStep(network: AcrnnNetwork, x: tf.Tensor4D, yOneHot: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const values = network.params.map((p) => p.read());
    let moments: tf.Tensor[] = [];
    const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => {
      const out = acrnnForward(ps, x, network.arch, { kind: 'batch' });
      // Kept past the gradient computation's own scope; disposed below.
      moments = [tf.keep(out.batchMean as tf.Tensor), tf.keep(out.batchVariance as tf.Tensor)];
      return crossEntropy(out.logits, yOneHot);
    })(values);
    // Release the aliasing reads so the fused update can run in place.
    tf.dispose(values);
    network.adam.apply(grads, network.lr);
    const [mean, variance] = moments as [tf.Tensor, tf.Tensor];
    const decay = (running: ResourceVariable, batch: tf.Tensor): void => {
      const r = running.read();
      const next = tf.add(tf.mul(r, BATCH_NORM_MOMENTUM), tf.mul(batch, 1 - BATCH_NORM_MOMENTUM));
      r.dispose();
      running.assign(next);
    };
    decay(network.runningMean, mean);
    decay(network.runningVariance, variance);
    tf.dispose(moments);
    return value;
  });
}

/** Mean softmax cross-entropy of logits [n, classes] against one-hot labels. */
export function crossEntropy(logits: tf.Tensor2D, yOneHot: tf.Tensor2D): tf.Scalar {
  return tf.div(tf.neg(tf.sum(tf.mul(yOneHot, tf.logSoftmax(logits)))), logits.shape[0]) as tf.Scalar;
}

/** Class posteriors [batch, classes] at inference (running averages in the batch normalisation). */
export function acrnnPosteriors(network: AcrnnNetwork, x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const params = network.params.map((p) => p.read());
    const out = acrnnForward(params, x, network.arch, { kind: 'running', mean: network.runningMean.read(), variance: network.runningVariance.read() });
    return tf.softmax(out.logits);
  });
}
