import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dnnSpecSchema } from '../../../../compute/classify/classifier-spec';
import { DnnClassifier, dnnLossAndGradients } from '../../../../compute/classify/dnn';
import { glorotStackedMlp, stackedMlpShapes } from '../../../../compute/nn/stacked-mlp';
import { Rng } from '../../../../compute/random';
import { tf } from '../../../../compute/tf';
import { gaussianClasses, splitEvery } from '../../../support/synthetic-classes';

const data = gaussianClasses({ perClass: [40, 25, 30], cols: 20, separation: 4, seed: 5 });
const { train, test } = splitEvery(data, 4);
const small = { hidden: [32, 32], epochs: 15, batchSize: 16 };

describe('DNN classifier', () => {
  it('spec defaults are the paper network; unknown fields are refused', () => {
    const spec = dnnSpecSchema.parse({ kind: 'dnn' });
    assert.deepEqual(spec.hidden, [800, 800]);
    assert.equal(spec.earlyStopping, undefined);
    assert.equal(dnnSpecSchema.safeParse({ kind: 'dnn', hiden: [10] }).success, false);
    assert.equal(dnnSpecSchema.safeParse({ kind: 'dnn', leakyAlpha: 1.5 }).success, false);
  });

  it('learns separable Gaussian classes', async () => {
    const model = await new DnnClassifier(small).fit(train, 3);
    const p = model.predict(test.x, test.rows);
    model.dispose();
    const acc = p.filter((v, i) => v === test.y[i]).length / test.rows;
    assert.ok(acc > 0.9, `accuracy ${acc}`);
  });

  it('same seed: identical weights and predictions; different seed: different weights', async () => {
    const clf = new DnnClassifier(small);
    const a = await clf.fit(train, 42);
    const b = await clf.fit(train, 42);
    const c = await clf.fit(train, 43);
    try {
      assert.deepEqual(a.weights(), b.weights());
      assert.deepEqual(a.predict(test.x, test.rows), b.predict(test.x, test.rows));
      const wa = a.weights()[0] as Float32Array;
      const wc = c.weights()[0] as Float32Array;
      const differing = wa.filter((v, i) => v !== wc[i]).length;
      assert.ok(differing > wa.length / 2, `only ${differing} of ${wa.length} first-layer weights differ between seeds`);
    } finally {
      a.dispose();
      b.dispose();
      c.dispose();
    }
  });

  it('leaves no tensor behind: numTensors before fit equals after predict + dispose (with early stopping)', async () => {
    const warm = await new DnnClassifier({ ...small, epochs: 1 }).fit(train, 1);
    warm.dispose();
    const before = tf.memory().numTensors;
    const model = await new DnnClassifier({ ...small, epochs: 30, earlyStopping: { validationFraction: 0.2, patience: 3 } }).fit(train, 9);
    model.predict(test.x, test.rows);
    assert.ok(tf.memory().numTensors > before, 'the model holds its weights until dispose()');
    model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('early stopping stops before the maximum and reports the epoch kept', async () => {
    // Overlapping classes: the network overfits and the held-out loss turns up.
    const noisy = gaussianClasses({ perClass: [30, 30, 30], cols: 20, separation: 0.5, seed: 6 });
    const model = await new DnnClassifier({ ...small, epochs: 200, earlyStopping: { validationFraction: 0.2, patience: 3 } }).fit(noisy, 2);
    try {
      assert.ok(model.epochsTrained < 200, `trained ${model.epochsTrained} epochs`);
      assert.ok(model.bestEpoch !== null && model.bestEpoch <= model.epochsTrained);
      assert.equal(model.epochsTrained - (model.bestEpoch ?? 0), 3, 'stops exactly `patience` epochs after the best');
      // Same seed, same split, trained only up to the best epoch: the restored weights are those.
      const upToBest = await new DnnClassifier({ ...small, epochs: model.bestEpoch ?? 1, earlyStopping: { validationFraction: 0.2, patience: 3 } }).fit(noisy, 2);
      try {
        assert.deepEqual(model.weights(), upToBest.weights());
      } finally {
        upToBest.dispose();
      }
    } finally {
      model.dispose();
    }
  });

  it("early-stops on the caller's validation rows, fitting every training row", async () => {
    const noisy = splitEvery(gaussianClasses({ perClass: [40, 40, 40], cols: 20, separation: 0.5, seed: 6 }), 4);
    const stopping = { ...small, epochs: 200, earlyStopping: { validationFraction: 0.2, patience: 3 } };
    const model = await new DnnClassifier(stopping).fit(noisy.train, 2, { validation: noisy.test });
    try {
      assert.ok(model.epochsTrained < 200, `trained ${model.epochsTrained} epochs`);
      assert.equal(model.epochsTrained - (model.bestEpoch ?? 0), 3);
      // No hold-out is drawn from the training set: the kept weights are those of a plain fit of
      // every training row for bestEpoch epochs with the same seed.
      const plain = await new DnnClassifier({ ...small, epochs: model.bestEpoch ?? 1 }).fit(noisy.train, 2);
      try {
        assert.deepEqual(model.weights(), plain.weights());
      } finally {
        plain.dispose();
      }
      // Other validation rows, another stop.
      const shuffled = { ...noisy.test, y: Int32Array.from(noisy.test.y, (_, i) => noisy.test.y[(i * 7) % noisy.test.rows] as number) };
      const other = await new DnnClassifier(stopping).fit(noisy.train, 2, { validation: shuffled });
      try {
        assert.notEqual(other.bestEpoch, model.bestEpoch);
      } finally {
        other.dispose();
      }
    } finally {
      model.dispose();
    }
  });

  it('ignores validation rows without early stopping, and refuses rows that do not fit the training set', async () => {
    const a = await new DnnClassifier({ ...small, epochs: 2 }).fit(train, 4, { validation: test });
    const b = await new DnnClassifier({ ...small, epochs: 2 }).fit(train, 4);
    try {
      assert.deepEqual(a.weights(), b.weights());
    } finally {
      a.dispose();
      b.dispose();
    }
    const narrow = { ...test, cols: test.cols - 1, x: test.x.subarray(0, test.rows * (test.cols - 1)) };
    await assert.rejects(new DnnClassifier({ ...small, earlyStopping: { validationFraction: 0.1, patience: 2 } }).fit(train, 4, { validation: narrow }), /validation: .*does not fit/);
  });

  it('leaves no tensor behind with a given validation set', async () => {
    const before = tf.memory().numTensors;
    const model = await new DnnClassifier({ ...small, epochs: 10, earlyStopping: { validationFraction: 0.2, patience: 2 } }).fit(train, 9, { validation: test });
    model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('predict checks the matrix shape', async () => {
    const model = await new DnnClassifier({ ...small, epochs: 1 }).fit(train, 1);
    try {
      assert.throws(() => model.predict(test.x.subarray(1), test.rows), RangeError);
    } finally {
      model.dispose();
    }
  });

  it('hand-written loss and gradients equal autodiff of cross-entropy + L2 (Keras convention)', () => {
    tf.tidy(() => {
      const sizes = [7, 9, 6, 4];
      const rng = new Rng(17);
      const params = glorotStackedMlp(sizes, [rng]).map((w, i) => {
        const shape = stackedMlpShapes(1, sizes)[i] as number[];
        // Non-zero biases, so their gradients are exercised too.
        return tf.add(tf.tensor(w, shape), tf.randomUniform(shape, -0.3, 0.3, 'float32', 5 + i));
      });
      const n = 11;
      const xs = tf.randomNormal([n, 7], 0, 1, 'float32', 3) as tf.Tensor2D;
      const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3, 3, 2, 1], 'int32'), 4).toFloat() as tf.Tensor2D;
      const l2 = 0.01;
      const alpha = 0.2;
      const reference = (...p: tf.Tensor[]): tf.Scalar => {
        let h: tf.Tensor = xs;
        for (let l = 0; l < p.length / 2; l++) {
          h = tf.add(tf.matMul(h, (p[2 * l] as tf.Tensor).reshape((p[2 * l] as tf.Tensor).shape.slice(1))), (p[2 * l + 1] as tf.Tensor).reshape([-1]));
          if (l + 1 < p.length / 2) h = tf.leakyRelu(h, alpha);
        }
        const ce = tf.losses.softmaxCrossEntropy(ys, h);
        const penalty = tf.addN(p.filter((_, i) => i % 2 === 0).map((w) => tf.sum(tf.square(w))));
        return tf.add(ce, tf.mul(penalty, l2)) as tf.Scalar;
      };
      const expected = tf.valueAndGrads(reference)(params);
      const actual = dnnLossAndGradients(params, xs, ys, l2, alpha);
      assert.ok(Math.abs(actual.loss.dataSync()[0]! - expected.value.dataSync()[0]!) < 1e-5, 'loss');
      actual.grads.forEach((g, i) => {
        const e = expected.grads[i] as tf.Tensor;
        const err = tf.max(tf.abs(tf.sub(g, e))).dataSync()[0]! / Math.max(1e-6, tf.max(tf.abs(e)).dataSync()[0]!);
        assert.ok(err < 1e-5, `parameter ${i}: relative error ${err}`);
      });
    });
  });
});
