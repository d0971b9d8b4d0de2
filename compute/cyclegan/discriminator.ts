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
 * Both use the twice-differentiable leaky ReLU because WGAN-div differentiates their input
 * gradient again.
 */
import { tf } from '../tf';
import { twiceDifferentiableLeakyRelu } from './leaky-relu';
import type { Activation } from '../nn/stacked-mlp';
import { stackedMlpForward, stackedMlpShapes } from '../nn/stacked-mlp';

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
 * where only first derivatives are taken (the generator step), the one-kernel tf.leakyRelu.
 */
export function discriminate(params: tf.Tensor[], x: tf.Tensor, layout: DiscriminatorLayout, slope: number, activation: Activation = twiceDifferentiableLeakyRelu): tf.Tensor {
  const [stack, n] = x.shape as [number, number, number];
  if (layout.kind === 'mlp') {
    return stackedMlpForward(params, x, slope, activation).reshape([stack, n]);
  }
  const size = Math.min(layout.patchSize, layout.dim);
  const patches = patchCount(layout);
  const padded = patches * size === layout.dim ? x : tf.pad(x, [[0, 0], [0, 0], [0, patches * size - layout.dim]]);
  const slices = padded.reshape([stack, n * patches, size]);
  const scores = stackedMlpForward(params, slices, slope, activation);
  return scores.reshape([stack, n, patches]).mean(2);
}
