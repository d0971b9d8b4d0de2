/**
 * Leaky ReLU for tfjs's automatic differentiation whose gradient is one TensorFlow kernel.
 *
 * tfjs differentiates tf.leakyRelu with three kernels (Greater, Mul, Select), each a full pass
 * over the activation; over a convolution's output (batch x time x frequency x maps) that is three
 * passes of tens of megabytes where TensorFlow's LeakyReluGrad makes one. The gradient reads the
 * slope off the output's sign (the input's, for any slope >= 0), so only the output is kept.
 */
import { tf } from '../tf';
import { leakyReluGrad } from './stacked-mlp';

const bySlope = new Map<number, (x: tf.Tensor) => tf.Tensor>();

export function leakyReluOneKernelGradient(x: tf.Tensor, slope: number): tf.Tensor {
  let f = bySlope.get(slope);
  if (f === undefined) {
    const forward = (input: tf.Tensor, save: tf.GradSaveFunc): { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor } => {
      const y = tf.leakyRelu(input, slope);
      save([y]);
      return { value: y, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => leakyReluGrad(dy, saved[0] as tf.Tensor, slope) };
    };
    // customGrad's declared parameter type is a variadic union; this function takes (x, save).
    f = tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
    bySlope.set(slope, f);
  }
  return f(x);
}
