/**
 * The auxiliary emotion classifier C of the classification loss: an MLP trained on the real
 * training fold first, then frozen. It is a fixed judge of "does G_i(s) look like class i",
 * and the quality report reuses it (accuracy on synthetic vectors).
 */
import { tf } from '../tf';
import type { Rng } from '../random';
import { FusedAdam } from '../nn/fused-adam';
import type { AuxiliaryClassifierSpec } from './gan-spec';
import { leakyRelu } from './leaky-relu';
import { ResourceVariable } from '../nn/resource-variable';
import { glorotStackedMlp, stackedMlpBackward, stackedMlpForward, stackedMlpForwardTraced, stackedMlpShapes } from '../nn/stacked-mlp';

export interface ClassifierTrainingInput {
  /** [n, D] on the backend. */
  x: tf.Tensor2D;
  labels: Int32Array;
  numClasses: number;
}

/** Frozen classifier weights, stacked with C = 1: [W1, b1, ...]. The caller disposes them. */
export function classifierLogits(params: tf.Tensor[], x: tf.Tensor, slope: number): tf.Tensor {
  const [n, d] = x.shape as [number, number];
  const logits = stackedMlpForward(params, x.reshape([1, n, d]), slope, leakyRelu);
  return logits.reshape([n, logits.shape[2] as number]);
}

/**
 * The frozen classifier's cross-entropy on x [rows, D] against one-hot `labels` [rows, K], per
 * row [rows], and the gradient of `weight` x its sum with respect to x [rows, D],
 * backpropagated by hand: (softmax - labels) through the layers (stacked-mlp.ts). The generator
 * step's classification term, which needs no weight gradient of the frozen classifier.
 */
export function classifierCrossEntropyInputGradient(params: tf.Tensor[], x: tf.Tensor, labels: tf.Tensor, slope: number, weight: number): { loss: tf.Tensor; dInput: tf.Tensor } {
  const [n, d] = x.shape as [number, number];
  const trace = stackedMlpForwardTraced(params, x.reshape([1, n, d]), slope, leakyRelu);
  const logProbabilities = tf.logSoftmax(trace.output.reshape([n, trace.output.shape[2] as number]));
  const loss = tf.neg(tf.sum(tf.mul(labels, logProbabilities), 1));
  const dLogits = tf.mul(tf.sub(tf.exp(logProbabilities), labels), weight);
  const { dInput } = stackedMlpBackward(params, trace, dLogits.reshape([1, n, dLogits.shape[1] as number]), slope, true);
  return { loss, dInput: (dInput as tf.Tensor).reshape([n, d]) };
}

/**
 * Trains C with Adam and mini-batches shuffled by `rng`, yielding to the event loop between
 * steps. Returns the frozen weights (kept tensors, the caller disposes them).
 */
export async function trainAuxiliaryClassifier(input: ClassifierTrainingInput, spec: AuxiliaryClassifierSpec, slope: number, rng: Rng, signal?: AbortSignal): Promise<tf.Tensor[]> {
  const n = input.labels.length;
  const dim = input.x.shape[1];
  const sizes = [dim, ...spec.hidden, input.numClasses];
  const shapes = stackedMlpShapes(1, sizes);
  const initial = glorotStackedMlp(sizes, [rng]);
  const vars = shapes.map((shape, i) => new ResourceVariable(`classifier.${i}`, shape, initial[i] as Float32Array));
  const adam = new FusedAdam('classifier.adam', vars, { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  const batch = Math.min(spec.batchSize, n);
  const labels = tf.tensor1d(input.labels, 'int32');
  try {
    for (let epoch = 0; epoch < spec.epochs; epoch++) {
      const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
      for (let start = 0; start < n; start += batch) {
        signal?.throwIfAborted();
        const idx = order.slice(start, start + batch);
        tf.tidy(() => {
          const index = tf.tensor1d(idx, 'int32');
          const xb = tf.gather(input.x, index);
          const yb = tf.oneHot(tf.gather(labels, index), input.numClasses);
          const params = vars.map((v) => v.read());
          const { grads } = tf.valueAndGrads((...p: tf.Tensor[]) => tf.losses.softmaxCrossEntropy(yb, classifierLogits(p, xb, slope)) as tf.Scalar)(params);
          tf.dispose(params);
          adam.apply(grads, spec.lr);
        });
        await new Promise(setImmediate);
      }
    }
    // A read aliases the variable's buffer; TensorFlow keeps that buffer alive after the variable is destroyed.
    return vars.map((v) => v.read());
  } finally {
    labels.dispose();
    adam.destroy();
    for (const v of vars) v.destroy();
  }
}
