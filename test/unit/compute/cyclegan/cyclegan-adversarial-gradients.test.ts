// Adversarial gradients written by hand against tfjs's automatic differentiation of the same
// losses written with the plain forward passes: the generator step's adversarial and
// classification terms with respect to the fakes (discriminator.ts discriminatorInputGradient,
// adversarial-loss.ts's generator loss gradients, auxiliary-classifier.ts
// classifierCrossEntropyInputGradient), and the cross-entropy discriminator's parameter
// gradients (critic-gradients.ts ceCriticGradients). Same gradients for every stacked network,
// same loss values, for the three discriminator shapes (patches with padding, one patch, one MLP
// over the whole vector). WGAN-div's critic step is checked in cyclegan-gradient-penalty.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../../compute/tf';
import { Rng } from '../../../../compute/random';
import { adversarialObjective } from '../../../../compute/cyclegan/adversarial-objective';
import { ceDiscriminatorLoss, ceGeneratorLoss, wdivGeneratorLoss } from '../../../../compute/cyclegan/adversarial-loss';
import { ceCriticGradients } from '../../../../compute/cyclegan/critic-gradients';
import { classifierCrossEntropyInputGradient, classifierLogits } from '../../../../compute/cyclegan/auxiliary-classifier';
import type { DiscriminatorLayout } from '../../../../compute/cyclegan/discriminator';
import { discriminate, discriminateTraced, discriminatorInputGradient, discriminatorShapes } from '../../../../compute/cyclegan/discriminator';
import { parseGanSpec } from '../../../../compute/cyclegan/gan-spec';
import { leakyRelu } from '../../../../compute/cyclegan/leaky-relu';
import { stackedMlpShapes } from '../../../../compute/nn/stacked-mlp';
import { maxRelativeError, randomTensor } from '../../../support/tensor-checks';

const SLOPE = 0.2;

const layouts: Array<{ name: string; layout: DiscriminatorLayout }> = [
  { name: 'patches of 4 over 10 features (padded)', layout: { kind: 'patch', dim: 10, hidden: [6, 5], patchSize: 4 } },
  { name: 'one patch', layout: { kind: 'patch', dim: 7, hidden: [6], patchSize: 8 } },
  { name: 'mlp', layout: { kind: 'mlp', dim: 9, hidden: [8, 4], patchSize: 4 } },
];

for (const loss of ['ce', 'wdiv'] as const) {
  for (const { name, layout } of layouts) {
    test(`hand-written adversarial gradient of the fakes equals autodiff (${loss}, ${name})`, () => {
      const rng = new Rng(loss === 'ce' ? 61 : 67);
      const stack = 6;
      const batch = 5;
      const objective = adversarialObjective(parseGanSpec({ loss }));
      const generatorLoss = loss === 'ce' ? ceGeneratorLoss : wdivGeneratorLoss;
      tf.tidy(() => {
        const params = discriminatorShapes(stack, layout).map((shape, i) => randomTensor(rng, shape, i % 2 === 0 ? 0.7 : 0.3));
        const fake = randomTensor(rng, [stack, batch, layout.dim], 1);
        const reference = (f: tf.Tensor): tf.Tensor => generatorLoss(discriminate(params, f, layout, SLOPE, leakyRelu));
        const expected = tf.grad((f: tf.Tensor) => reference(f).sum() as tf.Scalar)(fake);

        const pass = discriminateTraced(params, fake, layout, SLOPE);
        const term = objective.generatorTerm(pass.scores);
        const actual = discriminatorInputGradient(params, pass, term.dScores, layout, SLOPE);

        assert.deepEqual(actual.shape, expected.shape);
        const err = maxRelativeError(actual, expected);
        assert.ok(err < 1e-5, `gradient: max relative error ${err}`);
        assert.ok(maxRelativeError(term.loss, reference(fake)) < 1e-6, 'the loss reported is the one differentiated');
      });
    });
  }
}

test('hand-written classification gradient of the fakes equals autodiff of the cross-entropy', () => {
  const rng = new Rng(71);
  const rows = 12;
  const dim = 6;
  const classes = 4;
  const weight = 0.37;
  tf.tidy(() => {
    const params = stackedMlpShapes(1, [dim, 9, classes]).map((shape) => randomTensor(rng, shape, 0.6));
    const x = randomTensor(rng, [rows, dim], 1);
    const labels = tf.oneHot(tf.tensor1d(Array.from({ length: rows }, (_, i) => i % classes), 'int32'), classes).toFloat();
    // Written independently: tfjs's softmax cross-entropy per row, summed, times the weight.
    const perRow = (v: tf.Tensor): tf.Tensor => tf.losses.softmaxCrossEntropy(labels, classifierLogits(params, v, SLOPE), undefined, undefined, tf.Reduction.NONE);
    const expected = tf.grad((v: tf.Tensor) => tf.mul(perRow(v).sum(), weight) as tf.Scalar)(x);

    const actual = classifierCrossEntropyInputGradient(params, x, labels, SLOPE, weight);

    assert.deepEqual(actual.dInput.shape, expected.shape);
    const err = maxRelativeError(actual.dInput, expected);
    assert.ok(err < 1e-5, `gradient: max relative error ${err}`);
    assert.ok(maxRelativeError(actual.loss, perRow(x)) < 1e-6, 'the loss reported is the one differentiated');
  });
});

for (const { name, layout } of layouts) {
  test(`hand-written cross-entropy discriminator gradients equal autodiff (${name})`, () => {
    const rng = new Rng(73);
    const stack = 6;
    const batch = 5;
    const realLabel = 0.9;
    tf.tidy(() => {
      const params = discriminatorShapes(stack, layout).map((shape, i) => randomTensor(rng, shape, i % 2 === 0 ? 0.7 : 0.3));
      const real = randomTensor(rng, [stack, batch, layout.dim], 1);
      const fake = randomTensor(rng, [stack, batch, layout.dim], 1);
      const reference = (...p: tf.Tensor[]): tf.Tensor => ceDiscriminatorLoss(discriminate(p, real, layout, SLOPE, leakyRelu), discriminate(p, fake, layout, SLOPE, leakyRelu), realLabel);
      const expected = tf.grads((...p: tf.Tensor[]) => reference(...p).sum() as tf.Scalar)(params);

      const actual = ceCriticGradients(params, layout, SLOPE, real, fake, realLabel);

      assert.equal(actual.grads.length, expected.length);
      actual.grads.forEach((g, i) => {
        assert.deepEqual(g.shape, (expected[i] as tf.Tensor).shape, `parameter ${i} shape`);
        const err = maxRelativeError(g, expected[i] as tf.Tensor);
        assert.ok(err < 1e-5, `parameter ${i}: max relative error ${err}`);
      });
      assert.ok(maxRelativeError(actual.loss, reference(...params)) < 1e-6, 'the loss reported is the one differentiated');
    });
  });
}
