/**
 * The critic step's parameter gradients written by hand: WGAN-div's (below) and the
 * cross-entropy discriminator's (ceCriticGradients, a plain first-order backward pass).
 *
 * WGAN-div's, for 'real-and-fake' sampling
 * (the default): the critic term and the gradient penalty of wdivCriticLossAndPenalty
 * (adversarial-loss.ts), with the second-order part of the penalty propagated explicitly.
 *
 * Why: automatic differentiation of the penalty (a gradient differentiated again) runs through
 * the twice-differentiable leaky ReLU and the tape of the first backward pass: 11 matmuls over
 * every slice of every sample for a 3-layer critic, and a dozen element-wise kernels per layer.
 * Written out, the same gradients take 8 matmuls and one LeakyReluGrad per layer and pass,
 * because the critic term and the penalty share their last factor: for layer l with input a_{l-1}
 * and input-gradient delta_l, dW_l = (a_{l-1} + e_{l-1})^T delta_l, where e is the penalty's
 * gradient flowing back along the input-gradient chain (one matmul, not two and an add).
 *
 * The derivation, per stacked network (C networks in one batched matmul, each its own loss):
 * slices X = a_0 [M, p] (M = samples x patches), z_l = a_{l-1} W_l + b_l, a_l = lrelu(z_l),
 * score per slice z_L [M, 1], per sample f_i = mean over its patches. With weights w_i = +-1/n
 * (real/fake), value = sum_i w_i f(u_i); the input-gradient chain is delta_L = w_i / P per slice,
 * g_{l-1} = delta_l W_l^T, delta_{l-1} = s_{l-1} * g_{l-1} (s = the leaky ReLU's slope factor,
 * constant almost everywhere: the second derivative of a leaky ReLU is zero), G = g_0 (padding
 * dropped). Penalty: q_i = n^2 ||G_i||^2, pen = k mean_i q_i^(p/2), so
 * dG_i = (k p n / 2) q_i^(p/2 - 1) G_i. Back along the chain: e_0 = dG (padded),
 * dW_l += e_{l-1}^T delta_l, e_l = s_l * (e_{l-1} W_l); the critic term adds a_{l-1}^T delta_l
 * to dW_l and sum(delta_l) to db_l (the penalty has no bias gradient: delta does not depend on b).
 *
 * Checked against automatic differentiation of wdivCriticLossAndPenalty and against finite
 * differences in test/unit/compute/cyclegan/cyclegan-gradient-penalty.test.ts.
 */
import { tf } from '../tf';
import { ceDiscriminatorLoss } from './adversarial-loss';
import type { DiscriminatorLayout } from './discriminator';
import { criticRows, discriminateTraced, patchCount, rowGradient, samplesGradient } from './discriminator';
import { leakyReluGrad, stackedMlpBackward, stackedMlpForwardTraced, stackedMlpWeightGradients } from '../nn/stacked-mlp';
import { onVectorPath, powOnVectorPath } from '../nn/vector-path';

export interface CriticGradients {
  /** E_real f - E_fake f per network [S]. */
  critic: tf.Tensor;
  /** k E_u ||grad f(u)||^p per network [S], u = real and fake samples. */
  penalty: tf.Tensor;
  /** d(sum over networks of critic + penalty) / d[W1, b1, ...], shaped like the parameters. */
  grads: tf.Tensor[];
}

/**
 * real, fake: [S, n, D], stacked like the critics `params` ([W1, b1, ...], weights [S, in, out]).
 * The hidden layers' activation is the leaky ReLU of `slope`.
 */
export function wdivCriticGradients(params: tf.Tensor[], layout: DiscriminatorLayout, slope: number, real: tf.Tensor, fake: tf.Tensor, k: number, p: number): CriticGradients {
  const [stack, n] = real.shape as [number, number, number];
  const points = 2 * n;
  const layers = params.length / 2;
  const patches = layout.kind === 'patch' ? patchCount(layout) : 1;
  // The critic's input rows: every slice of every sample ('mlp': the sample itself).
  const trace = stackedMlpForwardTraced(params, criticRows(tf.concat([real, fake], 1), layout), slope);
  const scores = trace.output.reshape([stack, points, patches]).mean(2);
  const critic = tf.sub(scores.slice([0, 0], [stack, n]).mean(1), scores.slice([0, n], [stack, n]).mean(1));

  // The input-gradient chain: delta_L = w_i / P on every slice of sample i.
  const weights = tf.concat([tf.fill([stack, n * patches, 1], 1 / (n * patches)), tf.fill([stack, n * patches, 1], -1 / (n * patches))], 1);
  const deltas: tf.Tensor[] = new Array<tf.Tensor>(layers);
  deltas[layers - 1] = weights;
  let g = tf.matMul(weights, params[2 * (layers - 1)] as tf.Tensor, false, true);
  for (let l = layers - 1; l >= 1; l--) {
    const delta = leakyReluGrad(g, trace.inputs[l] as tf.Tensor, slope);
    deltas[l - 1] = delta;
    g = tf.matMul(delta, params[2 * (l - 1)] as tf.Tensor, false, true);
  }
  // g = dvalue/dslices [S, M, width]; per sample, padding dropped: G [S, 2n, D].
  const inputGrad = samplesGradient(g, stack, points, layout);
  const q = tf.mul(tf.sum(tf.square(inputGrad), 2, true), n * n);
  // pow on its vector path only, so that a critic's penalty does not depend on its place in a group (vector-path.ts).
  const penalty = tf.mul(powOnVectorPath(q, p / 2).mean([1, 2]), k);
  const dInputGrad = tf.mul(inputGrad, tf.mul(powOnVectorPath(q, p / 2 - 1), (k * p * n) / 2));
  let e = criticRows(dInputGrad, layout);

  const grads: tf.Tensor[] = new Array<tf.Tensor>(params.length);
  for (let l = 0; l < layers; l++) {
    const delta = deltas[l] as tf.Tensor;
    grads[2 * l] = tf.matMul(tf.add(trace.inputs[l] as tf.Tensor, e), delta, true, false);
    grads[2 * l + 1] = tf.sum(delta, 1, true);
    if (l + 1 < layers) e = leakyReluGrad(tf.matMul(e, params[2 * l] as tf.Tensor), trace.inputs[l + 1] as tf.Tensor, slope);
  }
  return { critic, penalty, grads };
}

/**
 * The cross-entropy discriminator's loss per network [S] (ceDiscriminatorLoss: BCE of the real
 * scores against `realLabel`, of the fake ones against 0, each a batch mean) and its parameter
 * gradients, from one pass over real and fake samples [S, n, D]. d BCE(z, y) / dz = sigmoid(z) - y,
 * so dScores = (sigmoid(z) - y) / n; the sigmoid on its vector path (vector-path.ts), and the
 * layers' gradients by stacked-mlp.ts's backward pass instead of automatic differentiation's tape
 * through the twice-differentiable leaky ReLU (which only WGAN-div's penalty needs). Checked
 * against autodiff in test/unit/compute/cyclegan/cyclegan-adversarial-gradients.test.ts.
 */
export function ceCriticGradients(params: tf.Tensor[], layout: DiscriminatorLayout, slope: number, real: tf.Tensor, fake: tf.Tensor, realLabel: number): { loss: tf.Tensor; grads: tf.Tensor[] } {
  const [stack, n] = real.shape as [number, number, number];
  const pass = discriminateTraced(params, tf.concat([real, fake], 1), layout, slope);
  const loss = ceDiscriminatorLoss(pass.scores.slice([0, 0], [stack, n]), pass.scores.slice([0, n], [stack, n]), realLabel);
  const targets = tf.concat([tf.fill([stack, n], realLabel), tf.zeros([stack, n])], 1);
  const dScores = tf.div(tf.sub(onVectorPath(pass.scores, tf.sigmoid), targets), n);
  const { deltas } = stackedMlpBackward(params, pass.trace, rowGradient(dScores, layout), slope, false);
  return { loss, grads: stackedMlpWeightGradients([pass.trace], [deltas]) };
}
