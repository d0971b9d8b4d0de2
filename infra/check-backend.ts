/**
 * Proves after setup that tfjs runs on the native TensorFlow backend: loads it (compute/tf.ts
 * refuses any other backend) and times one matmul. Exits non-zero with the fix otherwise.
 */
async function main(): Promise<void> {
  // required inside the try so that a missing native addon becomes one clear message
  // eslint-disable-next-line @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports
  const { tf } = require('../compute/tf') as typeof import('../compute/tf');
  const a = tf.randomNormal([256, 1024], 0, 1, 'float32', 7);
  const b = tf.randomNormal([1024, 256], 0, 1, 'float32', 8);
  const t0 = performance.now();
  const c = tf.matMul(a, b);
  await c.data();
  const ms = performance.now() - t0;
  tf.dispose([a, b, c]);
  process.stderr.write(`[bootstrap] tfjs backend: ${tf.getBackend()} (first 256x1024x256 matmul ${ms.toFixed(1)} ms)\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`[bootstrap] error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
