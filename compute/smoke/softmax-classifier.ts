/**
 * A tiny softmax classifier on tfjs-node for the smoke pipeline: z-normalised inputs, one
 * hidden layer, full-batch Adam, seeded. Reports loss and training accuracy per epoch.
 */
import { tf } from '../tf';

export interface SmokeTrainingResult {
  epochs: { epoch: number; loss: number; accuracy: number }[];
  /** Serialised weights (JSON), the artifact the smoke run logs. */
  weightsJson: string;
}

export function trainSoftmaxClassifier(
  x: Float32Array, rows: number, cols: number, y: Int32Array, classes: number,
  options: { epochs: number; hidden: number; learningRate: number; seed: number },
): SmokeTrainingResult {
  const result: SmokeTrainingResult = { epochs: [], weightsJson: '' };
  const w1 = tf.variable(tf.randomNormal([cols, options.hidden], 0, Math.sqrt(2 / (cols + options.hidden)), 'float32', options.seed));
  const b1 = tf.variable(tf.zeros([options.hidden]));
  const w2 = tf.variable(tf.randomNormal([options.hidden, classes], 0, Math.sqrt(2 / (options.hidden + classes)), 'float32', options.seed + 1));
  const b2 = tf.variable(tf.zeros([classes]));
  const optimizer = tf.train.adam(options.learningRate);
  try {
    const [xs, ys] = tf.tidy(() => {
      const raw = tf.tensor2d(x, [rows, cols]);
      const { mean, variance } = tf.moments(raw, 0);
      return [raw.sub(mean).div(variance.sqrt().add(1e-6)), tf.oneHot(tf.tensor1d(y, 'int32'), classes).toFloat()];
    });
    const logits = () => tf.relu(xs.matMul(w1).add(b1)).matMul(w2).add(b2);
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, logits()) as tf.Scalar, true) as tf.Scalar;
      const accuracy = tf.tidy(() => logits().argMax(1).equal(ys.argMax(1)).toFloat().mean().dataSync()[0] as number);
      result.epochs.push({ epoch, loss: loss.dataSync()[0] as number, accuracy });
      loss.dispose();
    }
    xs.dispose();
    ys.dispose();
    result.weightsJson = JSON.stringify({
      w1: Array.from(w1.dataSync()), b1: Array.from(b1.dataSync()), w2: Array.from(w2.dataSync()), b2: Array.from(b2.dataSync()),
      shape: { inputs: cols, hidden: options.hidden, classes },
    });
    return result;
  } finally {
    optimizer.dispose();
    for (const v of [w1, b1, w2, b2]) v.dispose();
  }
}
