/**
 * Helpers of the gradient tests that compare a hand-written computation with tfjs's automatic
 * differentiation: seeded random tensors and the largest error relative to the expected values.
 */
import { tf } from '../../compute/tf';
import type { Rng } from '../../compute/random';

/** A tensor of `shape` with N(0, scale^2) values drawn from `rng`. */
export function randomTensor(rng: Rng, shape: number[], scale = 1): tf.Tensor {
  const size = shape.reduce((a, c) => a * c, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => rng.normal() * scale), shape);
}

/** max |actual - expected| / max |expected| (the denominator at least 1e-6). */
export function maxRelativeError(actual: tf.Tensor, expected: tf.Tensor): number {
  return tf.tidy(() => {
    const scale = Math.max(1e-6, tf.max(tf.abs(expected)).dataSync()[0] as number);
    return (tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0] as number) / scale;
  });
}
