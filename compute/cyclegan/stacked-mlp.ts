/**
 * MLPs stacked along a leading "class" axis: weights [C, in, out], biases [C, 1, out], inputs
 * [C, N, in]. One batched matmul then evaluates the same layer of all C class networks, which
 * is how one fold's five class GANs train in a single graph (fewer, larger kernels). With C = 1
 * it is a plain MLP. Networks are plain weight tensors and functions (no tf.layers) so that
 * second-order gradients, batching and checkpointing see every parameter explicitly.
 */
import { tf } from '../tf';
import type { Rng } from '../random';

/** Parameter shapes in order [W1, b1, W2, b2, ...] for layer sizes [in, h1, ..., out]. */
export function stackedMlpShapes(stack: number, sizes: number[]): number[][] {
  const shapes: number[][] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l] as number;
    const fanOut = sizes[l + 1] as number;
    shapes.push([stack, fanIn, fanOut], [stack, 1, fanOut]);
  }
  return shapes;
}

/**
 * Xavier/Glorot-uniform weights (limit sqrt(6 / (fan_in + fan_out))) and zero biases, one seeded
 * stream per stacked network so a class's initial weights do not depend on the other classes.
 * `rngs[c]` draws the weights of network c.
 */
export function glorotStackedMlp(sizes: number[], rngs: Rng[]): Float32Array[] {
  const stack = rngs.length;
  return stackedMlpShapes(stack, sizes).map((shape, k) => {
    const per = (shape[1] as number) * (shape[2] as number);
    const out = new Float32Array(stack * per);
    if (k % 2 === 1) return out;
    const limit = Math.sqrt(6 / ((shape[1] as number) + (shape[2] as number)));
    for (let c = 0; c < stack; c++) {
      const rng = rngs[c] as Rng;
      for (let i = 0; i < per; i++) out[c * per + i] = (2 * rng.next() - 1) * limit;
    }
    return out;
  });
}

export type Activation = (x: tf.Tensor, slope: number) => tf.Tensor;

/** Hidden layers use `activation`; the output layer is linear. x: [C, N, in] -> [C, N, out]. */
export function stackedMlpForward(params: tf.Tensor[], x: tf.Tensor, slope: number, activation: Activation): tf.Tensor {
  let h = x;
  const layers = params.length / 2;
  for (let l = 0; l < layers; l++) {
    h = tf.add(tf.matMul(h, params[2 * l] as tf.Tensor), params[2 * l + 1] as tf.Tensor);
    if (l + 1 < layers) h = activation(h, slope);
  }
  return h;
}
