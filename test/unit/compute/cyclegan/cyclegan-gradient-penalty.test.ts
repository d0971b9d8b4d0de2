// The WGAN-div penalty differentiates the critic's input gradient again. These tests check its
// parameter gradients (tfjs second-order autodiff through the custom-gradient leaky ReLU) against
// central finite differences, per weight tensor, for both discriminator kinds; and the critic
// step's hand-written gradients (critic-gradients.ts) against that autodiff and against finite
// differences of their own loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../../compute/tf';
import { Rng } from '../../../../compute/random';
import { wdivCriticLoss, wdivCriticLossAndPenalty, wdivPenalty, wdivPenaltyPoints } from '../../../../compute/cyclegan/adversarial-loss';
import type { DiscriminatorLayout } from '../../../../compute/cyclegan/discriminator';
import { discriminate, discriminatorShapes } from '../../../../compute/cyclegan/discriminator';
import { absFormLeakyRelu, twiceDifferentiableLeakyRelu } from '../../../../compute/cyclegan/leaky-relu';
import { wdivCriticGradients } from '../../../../compute/cyclegan/critic-gradients';
import { randomTensor } from '../../../support/tensor-checks';

const SLOPE = 0.2;

function setup(layout: DiscriminatorLayout, seed: number): { params: tf.Tensor[]; u: tf.Tensor } {
  const rng = new Rng(seed);
  const params = discriminatorShapes(2, layout).map((shape, i) => randomTensor(rng, shape, i % 2 === 0 ? 0.8 : 0.3));
  const u = randomTensor(rng, [2, 5, layout.dim], 1);
  return { params, u };
}

function penalty(params: tf.Tensor[], u: tf.Tensor, layout: DiscriminatorLayout, p: number): tf.Scalar {
  return wdivPenalty((x) => discriminate(params, x, layout, SLOPE), u, 2, p).sum() as tf.Scalar;
}

/**
 * Relative error between the analytic directional derivative and a central difference, per
 * weight matrix. The biases are held constant: for a piecewise-linear critic the input gradient
 * depends on the biases only through the activation pattern, so the penalty's bias gradient is
 * zero almost everywhere (and tfjs refuses gradients of inputs that do not reach the output);
 * `biasSlopes` returns the finite-difference slopes along the biases to show they are ~0.
 */
function directionalErrors(layout: DiscriminatorLayout, p: number, seed: number): { errors: number[]; biasSlopes: number[]; scale: number } {
  const { params, u } = setup(layout, seed);
  const weightIndex = params.map((_, i) => i).filter((i) => i % 2 === 0);
  const withWeights = (ws: tf.Tensor[]): tf.Tensor[] => params.map((q, i) => (i % 2 === 0 ? ws[i / 2]! : q));
  const grads = tf.grads((...ws: tf.Tensor[]) => penalty(withWeights(ws), u, layout, p))(weightIndex.map((i) => params[i]!));
  const rng = new Rng(seed + 1);
  const slope = (i: number, v: tf.Tensor, eps = 2e-3): number => {
    const shifted = (sign: number): number => tf.tidy(() => {
      const ps = params.map((q, j) => (j === i ? tf.add(q, tf.mul(v, sign * eps)) : q));
      return penalty(ps, u, layout, p).dataSync()[0]!;
    });
    return (shifted(1) - shifted(-1)) / (2 * eps);
  };
  const errors: number[] = [];
  let scale = 0;
  weightIndex.forEach((i, k) => {
    // A central difference is wrong when the step crosses a kink of the leaky ReLUs; of three
    // step sizes at least one stays on one linear piece, so the best of them is compared.
    for (let direction = 0; direction < 2; direction++) {
      const v = randomTensor(rng, params[i]!.shape, 1);
      const analytic = tf.tidy(() => tf.sum(tf.mul(grads[k]!, v)).dataSync()[0]!);
      const numerics = [2e-3, 1e-3, 5e-4].map((eps) => slope(i, v, eps));
      scale = Math.max(scale, Math.abs(numerics[0]!));
      errors.push(Math.min(...numerics.map((numeric) => Math.abs(analytic - numeric) / Math.max(Math.abs(numeric), 1e-2))));
      v.dispose();
    }
  });
  const biasSlopes = params.map((_, i) => i).filter((i) => i % 2 === 1).map((i) => {
    const v = randomTensor(rng, params[i]!.shape, 1);
    const s = slope(i, v);
    v.dispose();
    return s;
  });
  tf.dispose([...params, u, ...grads]);
  return { errors, biasSlopes, scale };
}

for (const kind of ['patch', 'mlp'] as const) {
  for (const p of [2, 6]) {
    test(`penalty parameter gradients match finite differences (${kind} discriminator, p=${p})`, () => {
      // dim 10 with patch size 4: three slices, the last one zero-padded.
      const layout: DiscriminatorLayout = { kind, dim: 10, hidden: [7, 6], patchSize: 4 };
      const { errors, biasSlopes, scale } = directionalErrors(layout, p, 11 + p);
      for (const [i, e] of errors.entries()) assert.ok(e < 0.03, `weight ${i}: relative error ${e.toFixed(4)} (all: ${errors.map((x) => x.toFixed(4)).join(', ')})`);
      for (const [i, b] of biasSlopes.entries()) assert.ok(Math.abs(b) < 0.02 * scale, `bias ${i}: slope ${b} should be ~0 (weights' ${scale})`);
    });
  }
}

test('the custom-gradient leaky ReLU gives the same penalty gradients as the closed |x| form', () => {
  const layout: DiscriminatorLayout = { kind: 'mlp', dim: 6, hidden: [5], patchSize: 6 };
  const { params, u } = setup(layout, 5);
  const byForm = (act: (x: tf.Tensor, a: number) => tf.Tensor): Float32Array[] => tf.tidy(() => {
    const critic = (ps: tf.Tensor[]) => (x: tf.Tensor): tf.Tensor => {
      const [w1, b1, w2, b2] = ps as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      return tf.add(tf.matMul(act(tf.add(tf.matMul(x, w1), b1), SLOPE), w2), b2).reshape([2, 5]);
    };
    const [w1, b1, w2, b2] = params as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => wdivPenalty(critic([a, b1, b, b2]), u, 2, 6).sum() as tf.Scalar)([w1, w2]);
    return grads.map((g) => g.dataSync() as Float32Array);
  }) as unknown as Float32Array[];
  const custom = byForm(twiceDifferentiableLeakyRelu);
  const closed = byForm(absFormLeakyRelu);
  custom.forEach((g, i) => {
    const ref = closed[i]!;
    const scale = Math.max(...Array.from(ref, Math.abs));
    for (let j = 0; j < g.length; j++) assert.ok(Math.abs(g[j]! - ref[j]!) <= 1e-4 * scale, `tensor ${i} entry ${j}: ${g[j]} vs ${ref[j]}`);
  });
  tf.dispose([...params, u]);
});

test('tf.leakyRelu cannot be differentiated twice in tfjs (why the custom form exists)', () => {
  const x = tf.tensor([[0.5, -1, 2]]);
  assert.throws(() => tf.grad((y: tf.Tensor) => tf.grad((z: tf.Tensor) => tf.leakyRelu(z, SLOPE).sum())(y).square().sum())(x), /gradient function not found/i);
  x.dispose();
});

test('the one-pass critic term + penalty equals the two-pass computation, values and parameter gradients', () => {
  const layout: DiscriminatorLayout = { kind: 'patch', dim: 10, hidden: [7, 6], patchSize: 4 };
  const { params, u } = setup(layout, 31);
  const real = u;
  const fake = tf.tidy(() => tf.add(tf.mul(u, 0.5), 0.7));
  const both = (onePass: boolean): { values: number[]; grads: Float32Array[] } => {
    let values: number[] = [];
    const gradTensors = tf.grads((...ps: tf.Tensor[]) => {
      const critic = (x: tf.Tensor): tf.Tensor => discriminate(ps, x, layout, SLOPE);
      let loss: tf.Tensor;
      let pen: tf.Tensor;
      if (onePass) {
        const r = wdivCriticLossAndPenalty(critic, real, fake, 2, 6);
        [loss, pen] = [r.critic, r.penalty];
      } else {
        const scores = critic(tf.concat([real, fake], 1));
        loss = wdivCriticLoss(scores.slice([0, 0], [2, 5]), scores.slice([0, 5], [2, 5]));
        pen = wdivPenalty(critic, wdivPenaltyPoints(real, fake, 'real-and-fake'), 2, 6);
      }
      values = [...loss.dataSync(), ...pen.dataSync()];
      return tf.add(loss, pen).sum() as tf.Scalar;
    })(params);
    const grads = gradTensors.map((g) => g.dataSync() as Float32Array);
    tf.dispose(gradTensors);
    return { values, grads };
  };
  const one = both(true);
  const two = both(false);
  one.values.forEach((v, i) => assert.ok(Math.abs(v - two.values[i]!) <= 1e-4 * Math.max(1, Math.abs(v)), `value ${i}: ${v} vs ${two.values[i]}`));
  one.grads.forEach((g, i) => {
    const scale = Math.max(1e-6, ...Array.from(two.grads[i]!, Math.abs));
    g.forEach((x, j) => assert.ok(Math.abs(x - two.grads[i]![j]!) <= 1e-3 * scale, `tensor ${i}[${j}]: ${x} vs ${two.grads[i]![j]}`));
  });
  tf.dispose([...params, u, fake]);
});

test('the critic input gradient the penalty is built on matches finite differences of the critic', () => {
  // The finite-difference tests above differentiate the penalty as computed; this one checks
  // that what it is computed from, grad_u f, is the true gradient of the critic.
  for (const kind of ['patch', 'mlp'] as const) {
    const layout: DiscriminatorLayout = { kind, dim: 10, hidden: [7, 6], patchSize: 4 };
    const { params, u } = setup(layout, 41);
    const critic = (x: tf.Tensor): tf.Tensor => discriminate(params, x, layout, SLOPE);
    const g = tf.grad((x: tf.Tensor) => critic(x).sum())(u);
    const rng = new Rng(42);
    for (let direction = 0; direction < 3; direction++) {
      const v = randomTensor(rng, u.shape, 1);
      const analytic = tf.tidy(() => tf.sum(tf.mul(g, v)).dataSync()[0]!);
      const numerics = [2e-3, 1e-3, 5e-4].map((eps) => tf.tidy(() => (critic(tf.add(u, tf.mul(v, eps))).sum().dataSync()[0]! - critic(tf.sub(u, tf.mul(v, eps))).sum().dataSync()[0]!) / (2 * eps)));
      const error = Math.min(...numerics.map((n) => Math.abs(analytic - n) / Math.max(Math.abs(n), 1e-2)));
      assert.ok(error < 0.01, `${kind}: relative error ${error}`);
      v.dispose();
    }
    tf.dispose([...params, u, g]);
  }
});

for (const kind of ['patch', 'mlp'] as const) {
  for (const p of [2, 6]) {
    test(`hand-written critic step gradients equal autodiff of the critic term + penalty (${kind} discriminator, p=${p})`, () => {
      // dim 10 with patch size 4: three slices, the last one zero-padded.
      const layout: DiscriminatorLayout = { kind, dim: 10, hidden: [7, 6], patchSize: 4 };
      const { params, u: real } = setup(layout, 51 + p);
      const fake = tf.tidy(() => tf.add(tf.mul(real, -0.6), 0.3));
      let expectedValues: Float32Array[] = [];
      const expected = tf.grads((...ps: tf.Tensor[]) => {
        const r = wdivCriticLossAndPenalty((x) => discriminate(ps, x, layout, SLOPE), real, fake, 2, p);
        expectedValues = [r.critic.dataSync() as Float32Array, r.penalty.dataSync() as Float32Array];
        return tf.add(r.critic, r.penalty).sum() as tf.Scalar;
      })(params);
      const actual = wdivCriticGradients(params, layout, SLOPE, real, fake, 2, p);
      [actual.critic, actual.penalty].forEach((v, i) => {
        const want = expectedValues[i]!;
        v.dataSync().forEach((x, j) => assert.ok(Math.abs(x - want[j]!) <= 1e-5 * Math.max(1, Math.abs(want[j]!)), `${i === 0 ? 'critic' : 'penalty'}[${j}]: ${x} vs ${want[j]}`));
      });
      assert.equal(actual.grads.length, expected.length);
      actual.grads.forEach((g, i) => {
        assert.deepEqual(g.shape, expected[i]!.shape, `parameter ${i} shape`);
        const want = expected[i]!.dataSync();
        const scale = Math.max(1e-6, ...Array.from(want, Math.abs));
        g.dataSync().forEach((x, j) => assert.ok(Math.abs(x - want[j]!) <= 1e-4 * scale, `parameter ${i}[${j}]: ${x} vs ${want[j]}`));
      });
      tf.dispose([...params, real, fake, ...expected, actual.critic, actual.penalty, ...actual.grads]);
    });
  }
}

test('hand-written critic step gradients match finite differences of their own loss (patch discriminator, p=6)', () => {
  const layout: DiscriminatorLayout = { kind: 'patch', dim: 10, hidden: [7, 6], patchSize: 4 };
  const { params, u: real } = setup(layout, 61);
  const fake = tf.tidy(() => tf.add(tf.mul(real, 0.4), -0.5));
  const loss = (ps: tf.Tensor[]): number => tf.tidy(() => {
    const r = wdivCriticGradients(ps, layout, SLOPE, real, fake, 2, 6);
    return tf.add(r.critic, r.penalty).sum().dataSync()[0]!;
  });
  const { grads } = wdivCriticGradients(params, layout, SLOPE, real, fake, 2, 6);
  const rng = new Rng(62);
  params.forEach((param, i) => {
    const v = randomTensor(rng, param.shape, 1);
    const analytic = tf.tidy(() => tf.sum(tf.mul(grads[i]!, v)).dataSync()[0]!);
    // As above: of three step sizes, at least one stays on one linear piece of the leaky ReLUs.
    const numerics = [2e-3, 1e-3, 5e-4].map((eps) => {
      const shifted = (sign: number): number => tf.tidy(() => loss(params.map((q, j) => (j === i ? tf.add(q, tf.mul(v, sign * eps)) : q))));
      return (shifted(1) - shifted(-1)) / (2 * eps);
    });
    const error = Math.min(...numerics.map((numeric) => Math.abs(analytic - numeric) / Math.max(Math.abs(numeric), 1e-2)));
    assert.ok(error < 0.03, `parameter ${i}: relative error ${error.toFixed(4)} (analytic ${analytic}, numeric ${numerics.join(', ')})`);
    v.dispose();
  });
  tf.dispose([...params, real, fake, ...grads]);
});
