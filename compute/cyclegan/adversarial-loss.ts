/**
 * Adversarial losses, per class: every function takes scores [C, N] and returns a loss vector [C]
 * (the trainer sums it over classes to differentiate, which keeps the classes independent).
 *
 * Sign conventions.
 * - 'ce': the discriminator outputs a logit z, D = sigmoid(z) = P(real). It minimises
 *   BCE(z_real, 0.9) + BCE(z_fake, 0) (one-sided label smoothing: only the real target is
 *   softened). The generator minimises the non-saturating -log D(G(s)) = softplus(-z_fake).
 * - 'wdiv' (Wu et al., "Wasserstein Divergence for GANs", ECCV 2018, and paper.md):
 *   the critic f minimises  E_real[f(x)] - E_fake[f(x~)] + k * E_u[ ||grad_u f(u)||^p ],
 *   so real samples get LOW scores; the generator minimises E_fake[f(G(s))], pulling its samples
 *   towards the low (real) side. PyTorch-GAN's wgan_div negates f (d_loss = -E_real + E_fake +
 *   penalty, g_loss = -E_fake); the two are the same objective up to f -> -f, and the penalty is
 *   even in f. Defaults k = 2, p = 6 as in Wu et al.
 */
import { tf } from '../tf';
import { onVectorPath, powOnVectorPath } from '../nn/vector-path';

// softplus and pow on their vector paths only, so that a GAN's losses do not depend on its
// place in a group (vector-path.ts).
function softplus(z: tf.Tensor): tf.Tensor {
  return onVectorPath(z, tf.softplus);
}

/** Binary cross-entropy on logits, numerically stable: y*softplus(-z) + (1-y)*softplus(z). */
function bceWithLogits(z: tf.Tensor, target: number): tf.Tensor {
  if (target === 1) return softplus(tf.neg(z));
  if (target === 0) return softplus(z);
  return tf.add(tf.mul(softplus(tf.neg(z)), target), tf.mul(softplus(z), 1 - target));
}

export function ceDiscriminatorLoss(realScores: tf.Tensor, fakeScores: tf.Tensor, realLabel: number): tf.Tensor {
  return tf.add(bceWithLogits(realScores, realLabel).mean(1), bceWithLogits(fakeScores, 0).mean(1));
}

export function ceGeneratorLoss(fakeScores: tf.Tensor): tf.Tensor {
  return bceWithLogits(fakeScores, 1).mean(1);
}

/**
 * d(sum over networks of ceGeneratorLoss) / d fakeScores: softplus(-z)' = -sigmoid(-z), over the
 * batch mean. The sigmoid on its vector path, as softplus (vector-path.ts).
 */
export function ceGeneratorLossGradient(fakeScores: tf.Tensor): tf.Tensor {
  const n = fakeScores.shape[1] as number;
  return tf.div(onVectorPath(tf.neg(fakeScores), tf.sigmoid), -n);
}

/** The critic's Wasserstein term (without the penalty): E_real[f] - E_fake[f]. */
export function wdivCriticLoss(realScores: tf.Tensor, fakeScores: tf.Tensor): tf.Tensor {
  return tf.sub(realScores.mean(1), fakeScores.mean(1));
}

export function wdivGeneratorLoss(fakeScores: tf.Tensor): tf.Tensor {
  return fakeScores.mean(1);
}

/** d(sum over networks of wdivGeneratorLoss) / d fakeScores: 1 / N for every score. */
export function wdivGeneratorLossGradient(fakeScores: tf.Tensor): tf.Tensor {
  const n = fakeScores.shape[1] as number;
  return tf.fill(fakeScores.shape, 1 / n);
}

/**
 * k * E_u[ ||grad_u f(u)||^p ] per class, u: [C, N, D]. The gradient is taken with tf.grad inside
 * the caller's gradient computation, so the critic's parameter gradients include the
 * second-order term. ||g||^p is computed as (sum g^2)^(p/2), which is differentiable at g = 0
 * for p >= 2.
 */
export function wdivPenalty(critic: (u: tf.Tensor) => tf.Tensor, u: tf.Tensor, k: number, p: number): tf.Tensor {
  const g = tf.grad((x: tf.Tensor) => critic(x).sum())(u);
  const normP = powOnVectorPath(tf.sum(tf.square(g), 2), p / 2);
  return tf.mul(normP.mean(1), k);
}

/** Where the penalty is evaluated: real and fake samples pooled, or random interpolates. */
export function wdivPenaltyPoints(real: tf.Tensor, fake: tf.Tensor, sampling: 'real-and-fake' | 'interpolate', alpha?: tf.Tensor): tf.Tensor {
  if (sampling === 'real-and-fake') return tf.concat([real, fake], 1);
  if (alpha === undefined) throw new Error('interpolate sampling needs alpha [C, N, 1]');
  return tf.add(tf.mul(alpha, real), tf.mul(tf.sub(1, alpha), fake));
}

/**
 * The critic term and the penalty at real and fake points ('real-and-fake' sampling) from one
 * critic pass: with weights w = +1/N on real and -1/N on fake samples, L = sum_i w_i f(u_i) is
 * E_real f - E_fake f, and since each score depends only on its own sample, dL/du_i =
 * w_i grad f(u_i), so ||grad f(u_i)||^2 = N^2 ||dL/du_i||^2. This saves a second forward pass
 * of the critic (and its backward) over 2N samples per discriminator step.
 * Returns per-class [C] critic term and penalty k * E_u ||grad f(u)||^p. The trainer takes its
 * parameter gradients from critic-gradients.ts, written by hand; this autodiff form is what the
 * tests check them against.
 */
export function wdivCriticLossAndPenalty(critic: (u: tf.Tensor) => tf.Tensor, real: tf.Tensor, fake: tf.Tensor, k: number, p: number): { critic: tf.Tensor; penalty: tf.Tensor } {
  const [stack, n] = real.shape as [number, number, number];
  const u = tf.concat([real, fake], 1);
  const w = tf.concat([tf.fill([stack, n], 1 / n), tf.fill([stack, n], -1 / n)], 1);
  const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => tf.sum(tf.mul(critic(x), w), 1))(u);
  const normSquared = tf.mul(tf.sum(tf.square(grad), 2), n * n);
  const penalty = tf.mul(powOnVectorPath(normSquared, p / 2).mean(1), k);
  return { critic: value, penalty };
}
