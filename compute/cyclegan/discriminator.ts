/**
 * Discriminators D_i^T and D_i^S, stacked over classes; one score per sample ([C, N]).
 *
 * 'patch' (default): the feature vector is cut into contiguous, non-overlapping slices of
 * `patchSize` features (the last one zero-padded), a shared MLP scores every slice, and the
 * sample's score is the mean slice score. This is a PatchGAN for vectors (equivalently a 1-D
 * convolution with kernel = stride = patchSize followed by 1x1 convolutions and global average
 * pooling): each score sees only local structure, and openSMILE functionals are grouped by
 * low-level descriptor, so neighbouring features are related. All slices of all samples go
 * through one batched matmul per layer.
 * 'mlp': one MLP over the whole vector.
 *
 * Training differentiates them by hand (discriminateTraced and discriminatorInputGradient here,
 * critic-gradients.ts), with the one-kernel tf.leakyRelu. `discriminate` is the plain forward
 * pass that automatic differentiation goes through: WGAN-div's 'interpolate' sampling, whose
 * penalty differentiates the input gradient again (hence its twice-differentiable leaky ReLU by
 * default), and the tests' references.
 */
import { tf } from '../tf';
import { twiceDifferentiableLeakyRelu } from './leaky-relu';
import type { Activation, MlpTrace } from '../nn/stacked-mlp';
import { stackedMlpBackward, stackedMlpForward, stackedMlpForwardTraced, stackedMlpShapes } from '../nn/stacked-mlp';

export interface DiscriminatorLayout {
  kind: 'patch' | 'mlp';
  dim: number;
  hidden: number[];
  patchSize: number;
}

export function patchCount(layout: DiscriminatorLayout): number {
  return Math.ceil(layout.dim / layout.patchSize);
}

export function discriminatorSizes(layout: DiscriminatorLayout): number[] {
  const input = layout.kind === 'patch' ? Math.min(layout.patchSize, layout.dim) : layout.dim;
  return [input, ...layout.hidden, 1];
}

export function discriminatorShapes(stack: number, layout: DiscriminatorLayout): number[][] {
  return stackedMlpShapes(stack, discriminatorSizes(layout));
}

/**
 * x: [C, N, D] -> scores [C, N] (logits for 'ce', critic values for 'wdiv'). `activation`: the
 * twice-differentiable leaky ReLU by default (the critic's penalty differentiates its gradient);
 * where only first derivatives are taken, the one-kernel tf.leakyRelu does.
 */
export function discriminate(params: tf.Tensor[], x: tf.Tensor, layout: DiscriminatorLayout, slope: number, activation: Activation = twiceDifferentiableLeakyRelu): tf.Tensor {
  const [stack, n] = x.shape as [number, number, number];
  return perSampleScores(stackedMlpForward(params, criticRows(x, layout), slope, activation), stack, n, layout);
}

/** A discriminator pass kept for `discriminatorInputGradient`: scores [S, N] and the MLP's trace. */
export interface DiscriminatorPass {
  scores: tf.Tensor;
  trace: MlpTrace;
}

/** `discriminate` with the one-kernel tf.leakyRelu, keeping what the hand-written backward pass needs. */
export function discriminateTraced(params: tf.Tensor[], x: tf.Tensor, layout: DiscriminatorLayout, slope: number): DiscriminatorPass {
  const [stack, n] = x.shape as [number, number, number];
  const trace = stackedMlpForwardTraced(params, criticRows(x, layout), slope);
  return { scores: perSampleScores(trace.output, stack, n, layout), trace };
}

/**
 * The gradient with respect to the samples x [S, N, D] of sum(dScores * scores), dScores [S, N]
 * (a loss's gradient with respect to the scores), backpropagated by hand through the pass: the
 * generator step's adversarial term, without automatic differentiation's tape and its comparison
 * and select kernels per activation (checked against autodiff in
 * test/unit/compute/cyclegan/cyclegan-adversarial-gradients.test.ts).
 */
export function discriminatorInputGradient(params: tf.Tensor[], pass: DiscriminatorPass, dScores: tf.Tensor, layout: DiscriminatorLayout, slope: number): tf.Tensor {
  const [stack, n] = dScores.shape as [number, number];
  return samplesGradient(stackedMlpBackward(params, pass.trace, rowGradient(dScores, layout), slope, true).dInput as tf.Tensor, stack, n, layout);
}

/**
 * A gradient with respect to the critic MLP's input rows (`criticRows`' output) as one with
 * respect to the N samples [S, N, D]: each sample's slices side by side, the padding dropped.
 */
export function samplesGradient(dRows: tf.Tensor, stack: number, n: number, layout: DiscriminatorLayout): tf.Tensor {
  if (layout.kind === 'mlp') return dRows;
  const width = Math.min(layout.patchSize, layout.dim);
  const patches = patchCount(layout);
  const perSample = dRows.reshape([stack, n, patches * width]);
  return patches * width === layout.dim ? perSample : perSample.slice([0, 0, 0], [stack, n, layout.dim]);
}

/**
 * The gradient with respect to the critic MLP's outputs [S, rows, 1] of sum(dScores * scores):
 * a sample's score is the mean of its P slice scores, so each slice gets dScore / P.
 */
export function rowGradient(dScores: tf.Tensor, layout: DiscriminatorLayout): tf.Tensor {
  const [stack, n] = dScores.shape as [number, number];
  if (layout.kind === 'mlp') return dScores.reshape([stack, n, 1]);
  const patches = patchCount(layout);
  const perSlice = tf.div(dScores, patches).reshape([stack, n, 1]);
  return (patches === 1 ? perSlice : tf.broadcastTo(perSlice, [stack, n, patches])).reshape([stack, n * patches, 1]);
}

/** The critic MLP's input rows: every slice of every sample ('patch', zero-padded), or the samples ('mlp'). */
export function criticRows(x: tf.Tensor, layout: DiscriminatorLayout): tf.Tensor {
  if (layout.kind === 'mlp') return x;
  const [stack, n] = x.shape as [number, number, number];
  const size = Math.min(layout.patchSize, layout.dim);
  const patches = patchCount(layout);
  const padded = patches * size === layout.dim ? x : tf.pad(x, [[0, 0], [0, 0], [0, patches * size - layout.dim]]);
  return padded.reshape([stack, n * patches, size]);
}

/** The MLP's outputs [S, rows, 1] as one score per sample [S, N]: the mean over a sample's slices. */
function perSampleScores(output: tf.Tensor, stack: number, n: number, layout: DiscriminatorLayout): tf.Tensor {
  if (layout.kind === 'mlp') return output.reshape([stack, n]);
  return output.reshape([stack, n, patchCount(layout)]).mean(2);
}
