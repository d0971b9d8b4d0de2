/**
 * Which kernel library TensorFlow's CPU build uses for matmuls, decided before the library loads
 * (compute/tf.ts imports this module first; TensorFlow reads the variable once).
 *
 * The CPU build has two: Eigen's contractions and oneDNN's. It turns oneDNN on by default only
 * on some CPUs (recent Intel ones); on an AMD EPYC with AVX2 and FMA it stays on Eigen, and there
 * every batched matmul of the stacked cycle-GAN networks ran 1.5-4x slower than with oneDNN
 * (BatchMatMul [10, 64, 2185] x [10, 800, 2185]^T: 165 ms with Eigen, 37 ms with oneDNN; the
 * weight gradients [10, 2185, 128] x [10, 128, 800]: 213 vs 120 ms), because Eigen's batched
 * kernel packs every batch entry through a generic slice expression, and is slow again for a
 * transposed operand. So serflow turns oneDNN on wherever it is not chosen explicitly: the same
 * library on every CPU. `TF_ENABLE_ONEDNN_OPTS=0` in the environment keeps Eigen.
 *
 * The two libraries sum in different orders: results differ at float rounding level (for a
 * given library, thread count and CPU they are deterministic).
 */
process.env.TF_ENABLE_ONEDNN_OPTS ??= '1';

export {};
