/**
 * The adversarial objective of a cycle-GAN, chosen once from `spec.loss`: what the
 * discriminators (critics) minimise, what the generators' adversarial term is, and the random
 * draws the discriminator step needs. The trainer holds one AdversarialObjective and never asks
 * which loss it trains with; a third loss is a third implementation here, not a branch in every
 * training step.
 *
 * The loss functions and their sign conventions are in adversarial-loss.ts. Every method works
 * on stacks of networks: scores [2C, N] (D^T of every class, then D^S), losses [2C].
 */
import { tf } from '../tf';
import type { Rng } from '../random';
import { ceGeneratorLoss, ceGeneratorLossGradient, wdivCriticLoss, wdivGeneratorLoss, wdivGeneratorLossGradient, wdivPenalty, wdivPenaltyPoints } from './adversarial-loss';
import { ceCriticGradients, wdivCriticGradients } from './critic-gradients';
import type { DiscriminatorLayout } from './discriminator';
import { discriminate } from './discriminator';
import type { GanSpec } from './gan-spec';

/** A discriminator stack as a function: samples [2C, N, D] -> scores [2C, N]. */
export type Critic = (x: tf.Tensor) => tf.Tensor;

/** A discriminator stack: its parameters [W1, b1, ...] (weights [2C, in, out]), layout and leaky-ReLU slope. */
export interface CriticNetwork {
  params: tf.Tensor[];
  layout: DiscriminatorLayout;
  slope: number;
}

export interface DiscriminatorLoss {
  /** What the discriminator step minimises, per network [2C] (penalty included). */
  loss: tf.Tensor;
  /** The gradient penalty alone, per network [2C] (zeros when the objective has none). */
  penalty: tf.Tensor;
}

export interface AdversarialObjective {
  /**
   * Host-side random numbers of one discriminator step, drawn from each class's Rng before the
   * step (so the draws are part of the Rng state a checkpoint pins), or undefined if the
   * objective needs none. Rows follow the discriminator stack: D^T of every class, then D^S.
   */
  drawDiscriminatorNoise(rngs: readonly Rng[], batch: number): Float32Array | undefined;
  /**
   * The discriminator step's loss on real and (detached) fake samples, both [2C, N, D], stacked
   * like the discriminators, and the gradients of its sum over networks with respect to
   * `network.params` (in their order and shapes).
   */
  discriminatorGradients(network: CriticNetwork, real: tf.Tensor, fake: tf.Tensor, noise: Float32Array | undefined): DiscriminatorLoss & { grads: tf.Tensor[] };
  /**
   * The generators' adversarial term per network [2C], from the critic's scores of the fakes
   * [2C, N], and the gradient of its sum over networks with respect to those scores [2C, N].
   */
  generatorTerm(fakeScores: tf.Tensor): { loss: tf.Tensor; dScores: tf.Tensor };
}

/** The objective `spec.loss` names. */
export function adversarialObjective(spec: GanSpec): AdversarialObjective {
  switch (spec.loss) {
    case 'ce': return crossEntropyObjective(spec.realLabel);
    case 'wdiv': return wassersteinDivergenceObjective(spec.wdivK, spec.wdivP, spec.wdivSampling);
  }
}

/**
 * A loss's parameter gradients by automatic differentiation (through the twice-differentiable
 * leaky ReLU, which the penalty of 'interpolate' sampling needs).
 */
function autodiffGradients(network: CriticNetwork, loss: (critic: Critic) => DiscriminatorLoss): DiscriminatorLoss & { grads: tf.Tensor[] } {
  let result: DiscriminatorLoss | undefined;
  const { grads } = tf.valueAndGrads((...p: tf.Tensor[]) => {
    const r = loss((x) => discriminate(p, x, network.layout, network.slope));
    // Kept here: valueAndGrads disposes what its function created.
    result = { loss: tf.keep(r.loss), penalty: tf.keep(r.penalty) };
    return r.loss.sum() as tf.Scalar;
  })(network.params);
  if (result === undefined) throw new Error('the discriminator loss was not computed');
  return { ...result, grads };
}

/**
 * Scores of real and fake samples through one critic call: twice the rows, half the kernels.
 * Returns [2C, N] each.
 */
function realAndFakeScores(critic: Critic, real: tf.Tensor, fake: tf.Tensor): { realScores: tf.Tensor; fakeScores: tf.Tensor } {
  const [stack, n] = real.shape as [number, number, number];
  const scores = critic(tf.concat([real, fake], 1));
  return { realScores: scores.slice([0, 0], [stack, n]), fakeScores: scores.slice([0, n], [stack, n]) };
}

/** The paper's cross-entropy GAN, with one-sided label smoothing of the real target. */
export function crossEntropyObjective(realLabel: number): AdversarialObjective {
  return {
    drawDiscriminatorNoise: () => undefined,
    discriminatorGradients(network, real, fake) {
      const { loss, grads } = ceCriticGradients(network.params, network.layout, network.slope, real, fake, realLabel);
      return { loss, penalty: tf.zerosLike(loss), grads };
    },
    generatorTerm: (fakeScores) => ({ loss: ceGeneratorLoss(fakeScores), dScores: ceGeneratorLossGradient(fakeScores) }),
  };
}

/** WGAN-div (Wu et al. 2018): the critic's Wasserstein term plus k * E_u ||grad f(u)||^p. */
export function wassersteinDivergenceObjective(k: number, p: number, sampling: GanSpec['wdivSampling']): AdversarialObjective {
  return {
    drawDiscriminatorNoise(rngs, batch) {
      if (sampling !== 'interpolate') return undefined;
      // One interpolation weight per sample of every discriminator, from that class's stream.
      const stack = rngs.length;
      const alpha = new Float32Array(2 * stack * batch);
      for (let c = 0; c < stack; c++) {
        const rng = rngs[c] as Rng;
        for (const half of [0, stack]) {
          for (let i = 0; i < batch; i++) alpha[(half + c) * batch + i] = rng.next();
        }
      }
      return alpha;
    },
    discriminatorGradients(network, real, fake, noise) {
      if (sampling === 'real-and-fake') {
        // Penalty points = loss points: one critic pass serves both, differentiated by hand.
        const r = wdivCriticGradients(network.params, network.layout, network.slope, real, fake, k, p);
        return { loss: tf.add(r.critic, r.penalty), penalty: r.penalty, grads: r.grads };
      }
      if (noise === undefined) throw new Error('interpolate sampling needs the interpolation weights drawn by drawDiscriminatorNoise');
      return autodiffGradients(network, (critic) => {
        const [stack, n] = real.shape as [number, number, number];
        const { realScores, fakeScores } = realAndFakeScores(critic, real, fake);
        const alpha = tf.tensor3d(noise, [stack, n, 1]);
        const penalty = wdivPenalty(critic, wdivPenaltyPoints(real, fake, sampling, alpha), k, p);
        return { loss: tf.add(wdivCriticLoss(realScores, fakeScores), penalty), penalty };
      });
    },
    generatorTerm: (fakeScores) => ({ loss: wdivGeneratorLoss(fakeScores), dScores: wdivGeneratorLossGradient(fakeScores) }),
  };
}
