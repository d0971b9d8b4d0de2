// The generator step's hand-written backward pass (generator.ts cycleTerm and
// cycleWeightGradients, stacked-mlp.ts) against tfjs's automatic differentiation of the same loss
// written with the plain forward pass (generate): same weight and bias gradients for every
// stacked network, for both reductions of the cycle loss (gan-spec.ts cycleLoss).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../../compute/tf';
import { cycleForward, cycleTerm, cycleWeightGradients, generate, generatorShapes } from '../../../../compute/cyclegan/generator';
import { Rng } from '../../../../compute/random';
import { maxRelativeError, randomTensor } from '../../../support/tensor-checks';

/** The cycle loss per stacked network as the paper and gan-spec.ts define it, written independently of cycleTerm. */
function referenceCycleLoss(rec: tf.Tensor, target: tf.Tensor, reduction: 'mean' | 'sum'): tf.Tensor {
  const squared = tf.squaredDifference(rec, target);
  // 'sum': the squared norm of each row (summed over features), averaged over the batch.
  return reduction === 'mean' ? squared.mean([1, 2]) : squared.sum(2).mean(1);
}

for (const { slope, hidden, withFakeTerm, reduction } of [
  { slope: 0.2, hidden: [7, 5], withFakeTerm: true, reduction: 'mean' as const },
  { slope: 0.2, hidden: [9], withFakeTerm: false, reduction: 'mean' as const },
  { slope: 0, hidden: [6, 6, 4], withFakeTerm: true, reduction: 'mean' as const },
  { slope: 0.2, hidden: [7, 5], withFakeTerm: true, reduction: 'sum' as const },
  { slope: 0.2, hidden: [9], withFakeTerm: false, reduction: 'sum' as const },
]) {
  test(`hand-written cycle gradients equal autodiff (slope ${slope}, hidden ${hidden.join('x')}, ${withFakeTerm ? 'adversarial + cycle' : 'cycle only'}, cycle loss ${reduction})`, () => {
    const rng = new Rng(41);
    const classes = 3;
    const dim = 6;
    const batch = 4;
    const lambdaCyc = 1.7;
    tf.tidy(() => {
      const params = generatorShapes(2 * classes, dim, hidden).map((shape) => randomTensor(rng, shape, 0.5));
      const input = randomTensor(rng, [2 * classes, batch, dim]);
      const target = randomTensor(rng, [2 * classes, batch, dim]);
      // A fixed nonlinear function of the fakes stands in for the adversarial + classification terms.
      const projection = randomTensor(rng, [2 * classes, batch, dim]);
      const fakeTerm = (fake: tf.Tensor): tf.Tensor => tf.sum(tf.tanh(tf.mul(fake, projection)));
      const swap = (x: tf.Tensor): tf.Tensor => tf.concat([x.slice([classes], [classes]), x.slice([0], [classes])], 0);

      const loss = (...p: tf.Tensor[]): tf.Scalar => {
        const fake = generate(p, input, slope);
        const rec = generate(p, swap(fake), slope);
        const cycle = tf.mul(referenceCycleLoss(rec, target, reduction).sum(), lambdaCyc);
        return (withFakeTerm ? tf.add(cycle, fakeTerm(fake)) : cycle) as tf.Scalar;
      };
      const expected = tf.grads(loss)(params);

      const passes = cycleForward(params, input, slope);
      const { loss: cycleLoss, dRec } = cycleTerm(passes.rec, target, reduction, lambdaCyc);
      const dFake = withFakeTerm ? tf.grad(fakeTerm)(passes.fake) : undefined;
      const actual = cycleWeightGradients(params, passes, dFake, dRec, slope);

      assert.equal(actual.length, expected.length);
      actual.forEach((g, i) => {
        assert.deepEqual(g.shape, (expected[i] as tf.Tensor).shape, `parameter ${i} shape`);
        const err = maxRelativeError(g, expected[i] as tf.Tensor);
        assert.ok(err < 1e-5, `parameter ${i}: max relative error ${err}`);
      });
      // The forward passes are the plain ones, and the loss cycleTerm reports is the one differentiated.
      assert.ok(maxRelativeError(passes.fake, generate(params, input, slope)) < 1e-6);
      assert.ok(maxRelativeError(cycleLoss, referenceCycleLoss(generate(params, swap(passes.fake), slope), target, reduction)) < 1e-6);
    });
  });
}

test('the summed cycle loss and its gradient are the mean ones times the feature count', () => {
  const rng = new Rng(43);
  const dim = 5;
  tf.tidy(() => {
    const rec = randomTensor(rng, [4, 3, dim]);
    const target = randomTensor(rng, [4, 3, dim]);
    const mean = cycleTerm(rec, target, 'mean', 0.8);
    const sum = cycleTerm(rec, target, 'sum', 0.8);
    assert.ok(maxRelativeError(sum.loss, tf.mul(mean.loss, dim)) < 1e-6);
    assert.ok(maxRelativeError(sum.dRec, tf.mul(mean.dRec, dim)) < 1e-6);
  });
});
