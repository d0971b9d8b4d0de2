/**
 * The "ResNet" generators G_i: S -> T_i and F_i: T_i -> S, stacked over classes: an MLP whose
 * output is added to its input (residual path input -> output), so an untrained generator is
 * close to the identity and outputs stay in the (normalised) space of its inputs.
 */
import { tf } from '../tf';
import { leakyRelu } from './leaky-relu';
import { stackedMlpForward, stackedMlpShapes } from './stacked-mlp';

export function generatorSizes(dim: number, hidden: number[]): number[] {
  return [dim, ...hidden, dim];
}

export function generatorShapes(stack: number, dim: number, hidden: number[]): number[][] {
  return stackedMlpShapes(stack, generatorSizes(dim, hidden));
}

/** x: [C, N, D] -> [C, N, D]. */
export function generate(params: tf.Tensor[], x: tf.Tensor, slope: number): tf.Tensor {
  return tf.add(x, stackedMlpForward(params, x, slope, leakyRelu));
}
