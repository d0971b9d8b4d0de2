/**
 * Leaky ReLU in two forms.
 *
 * tf.leakyRelu is one kernel, but its gradient uses comparison kernels that have no gradient in
 * tfjs, so a gradient penalty (which differentiates a gradient again) cannot pass through it.
 * Every network uses it where its gradients are written by hand (all of training but WGAN-div's
 * 'interpolate' sampling); the critic's autodiff penalty uses the twice-differentiable form below.
 *
 * The twice-differentiable form is a tf.customGrad: the forward pass computes the slope factor
 * s(x) (a for x < 0, 1 for x > 0) once, outputs x*s(x), and saves s(x); the gradient is dy*s(x). tfjs
 * does not record the ops inside a customGrad forward on the tape, so s(x) is a constant to the
 * outer (second-order) differentiation, which is exact: the second derivative of a leaky ReLU is
 * zero almost everywhere. The textbook alternative 0.5*(1+a)*x + 0.5*(1-a)*|x| is also correct
 * but |x|'s gradient runs tfjs-node's Step, six kernels per call; measured at D = 2185 it cost
 * about 190 ms of a 650 ms iteration.
 */
import { tf } from '../tf';

export function leakyRelu(x: tf.Tensor, slope: number): tf.Tensor {
  return tf.leakyRelu(x, slope);
}

const twiceDifferentiable = new Map<number, (x: tf.Tensor) => tf.Tensor>();

export function twiceDifferentiableLeakyRelu(x: tf.Tensor, slope: number): tf.Tensor {
  let f = twiceDifferentiable.get(slope);
  if (f === undefined) {
    const forward = (input: tf.Tensor, save: tf.GradSaveFunc): { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor } => {
      // s(x) = (1+a)/2 + (1-a)/2 * sign(x): three kernels (Greater + Cast + Mul + Add would be four).
      const factor = tf.add(tf.mul(tf.sign(input), 0.5 * (1 - slope)), 0.5 * (1 + slope));
      save([factor]);
      return {
        value: tf.mul(input, factor),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0] as tf.Tensor),
      };
    };
    // customGrad's declared parameter type is a variadic union; this function takes (x, save).
    f = tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
    twiceDifferentiable.set(slope, f);
  }
  return f(x);
}

/** The closed form 0.5*(1+a)*x + 0.5*(1-a)*|x|, kept as the reference the tests compare against. */
export function absFormLeakyRelu(x: tf.Tensor, slope: number): tf.Tensor {
  return tf.add(tf.mul(x, 0.5 * (1 + slope)), tf.mul(tf.abs(x), 0.5 * (1 - slope)));
}
