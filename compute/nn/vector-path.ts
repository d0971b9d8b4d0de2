/**
 * Element-wise kernels with every element on the kernel's vector path.
 *
 * TensorFlow's CPU kernels compute a tensor in SIMD packets and its last (size mod packet width)
 * elements one at a time. For transcendental functions (exp, log, softplus, pow) the two paths
 * round differently. Which elements fall in that tail follows the size of the whole tensor, so a
 * GAN's values inside a group stack (compute/cyclegan/trainer.ts) and the same GAN's values
 * trained alone could differ in the last bit (measured: softplus of the discriminator scores
 * [10, 55] of one GAN at batch 55, 2 of 550 values). Padding the flattened input to a multiple
 * of the widest packet keeps every element on the vector path, where a lane is computed alike
 * wherever it sits. The op's gradient kernel then runs on the padded tensor too.
 */
import { tf } from '../tf';

/** 16 float32 lanes: AVX-512's packet, a multiple of AVX2's 8 and NEON's 4. */
const WIDEST_PACKET = 16;

/** `op(x)` for an element-wise `op`, computed over x padded with `fill` to whole packets. */
export function onVectorPath(x: tf.Tensor, op: (padded: tf.Tensor) => tf.Tensor, fill = 0): tf.Tensor {
  const size = x.size;
  const padding = (WIDEST_PACKET - (size % WIDEST_PACKET)) % WIDEST_PACKET;
  if (padding === 0) return op(x);
  const padded = tf.pad(x.reshape([size]), [[0, padding]], fill);
  return op(padded).slice([0], [size]).reshape(x.shape);
}

/** x^exponent on the vector path; padded with ones, whose powers are finite for any exponent. */
export function powOnVectorPath(x: tf.Tensor, exponent: number): tf.Tensor {
  return onVectorPath(x, (v) => tf.pow(v, exponent), 1);
}
