// Sign conventions of the adversarial losses on toy cases (see compute/cyclegan/adversarial-loss.ts):
// CE: D(x) = sigmoid(logit) = P(real), real target 0.9, non-saturating generator loss.
// WDIV (Wu et al.): the critic minimises E_real f - E_fake f + k E ||grad f||^p, so real scores go LOW;
// the generator minimises E_fake f.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../../compute/tf';
import { ceDiscriminatorLoss, ceGeneratorLoss, wdivCriticLoss, wdivGeneratorLoss, wdivPenalty, wdivPenaltyPoints } from '../../../../compute/cyclegan/adversarial-loss';

const value = (t: tf.Tensor): number[] => Array.from(t.dataSync());
const scores = (xs: number[]): tf.Tensor => tf.tensor2d([xs]);

test('CE discriminator loss is lower when real scores high and fake scores low', () => {
  tf.tidy(() => {
    const right = value(ceDiscriminatorLoss(scores([4, 3]), scores([-4, -3]), 0.9))[0]!;
    const wrong = value(ceDiscriminatorLoss(scores([-4, -3]), scores([4, 3]), 0.9))[0]!;
    assert.ok(right < wrong, `${right} < ${wrong}`);
  });
});

test('CE one-sided label smoothing: the real term is minimal at D(real) = 0.9, the fake target stays 0', () => {
  tf.tidy(() => {
    const logit = (p: number): number => Math.log(p / (1 - p));
    const realTerm = (z: number): number => value(ceDiscriminatorLoss(scores([z]), scores([-30]), 0.9))[0]!;
    const atTarget = realTerm(logit(0.9));
    assert.ok(atTarget < realTerm(logit(0.8)) && atTarget < realTerm(logit(0.97)), 'minimum at 0.9');
    // Binary entropy of 0.9: the smallest possible real term.
    assert.ok(Math.abs(atTarget - (-0.9 * Math.log(0.9) - 0.1 * Math.log(0.1))) < 1e-4);
    // Fake target 0: the fake term keeps falling as the fake logit goes down.
    const fakeTerm = (z: number): number => value(ceDiscriminatorLoss(scores([logit(0.9)]), scores([z]), 0.9))[0]! - atTarget;
    assert.ok(fakeTerm(-6) < fakeTerm(-2) && fakeTerm(-2) < fakeTerm(0));
  });
});

test('CE generator loss is the non-saturating -log D(G(s)) and falls as D is fooled', () => {
  tf.tidy(() => {
    assert.ok(Math.abs(value(ceGeneratorLoss(scores([0])))[0]! - Math.log(2)) < 1e-6);
    const [fooled, caught] = [value(ceGeneratorLoss(scores([3])))[0]!, value(ceGeneratorLoss(scores([-3])))[0]!];
    assert.ok(fooled < caught);
    // Non-saturating: still a useful gradient when D confidently rejects the fake.
    const g = value(tf.grad((z: tf.Tensor) => ceGeneratorLoss(z).sum())(scores([-8])))[0]!;
    assert.ok(g < -0.9, `gradient ${g} should stay near -1`);
  });
});

test('WDIV critic term is E_real f - E_fake f: negative when real scores are low', () => {
  tf.tidy(() => {
    assert.deepEqual(value(wdivCriticLoss(scores([-1, -3]), scores([2, 4]))), [-5]);
    assert.deepEqual(value(wdivGeneratorLoss(scores([2, 4]))), [3]);
  });
});

test('WDIV penalty of a linear critic is k * ||w||^p, at real and fake points pooled', () => {
  tf.tidy(() => {
    const w = tf.tensor2d([[1.2], [-0.9]]); // ||w|| = 1.5
    const critic = (u: tf.Tensor): tf.Tensor => tf.matMul(u, w.reshape([1, 2, 1])).reshape([1, u.shape[1]!]);
    const real = tf.tensor3d([[[1, 2], [3, 4]]]);
    const fake = tf.tensor3d([[[0, 1], [5, -1]]]);
    const points = wdivPenaltyPoints(real, fake, 'real-and-fake');
    assert.deepEqual(points.shape, [1, 4, 2]);
    const penalty = value(wdivPenalty(critic, points, 2, 6))[0]!;
    assert.ok(Math.abs(penalty - 2 * 1.5 ** 6) < 1e-3, `${penalty}`);
    const alpha = tf.tensor3d([[[0.25], [1]]]);
    assert.deepEqual(value(wdivPenaltyPoints(real, fake, 'interpolate', alpha)), [0.25, 1.25, 3, 4]);
  });
});

test('minimising the WDIV critic loss (with penalty) drives real scores below fake scores', () => {
  // A linear critic on 1-D data: real near +1, fake near -1. Wu et al.'s convention gives real
  // samples the low scores, so w must become negative.
  const w = tf.variable(tf.tensor3d([[[0.1]]]));
  const real = tf.tensor3d([[[0.9], [1.1], [1.0]]]);
  const fake = tf.tensor3d([[[-0.9], [-1.1], [-1.0]]]);
  const critic = (u: tf.Tensor): tf.Tensor => tf.matMul(u, w).reshape([1, u.shape[1]!]);
  const opt = tf.train.sgd(0.05);
  for (let i = 0; i < 50; i++) {
    opt.minimize(() => tf.add(wdivCriticLoss(critic(real), critic(fake)), wdivPenalty(critic, wdivPenaltyPoints(real, fake, 'real-and-fake'), 2, 6)).sum() as tf.Scalar);
  }
  const [r, f] = [value(critic(real).mean())[0]!, value(critic(fake).mean())[0]!];
  assert.ok(r < f, `real ${r} should score below fake ${f}`);
  // The penalty bounds the critic: stationary point of -2w + 2*6*w^5 * sign => |w| = (1/6)^(1/5).
  assert.ok(Math.abs(Math.abs(value(w)[0]!) - (1 / 6) ** 0.2) < 0.02, `|w| = ${value(w)[0]}`);
  tf.dispose([w, real, fake]);
  opt.dispose();
});
