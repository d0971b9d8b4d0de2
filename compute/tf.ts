/**
 * The one place tfjs is loaded. Importing this module loads @tensorflow/tfjs-node and refuses
 * to go on unless the native `tensorflow` backend is active: serflow never falls back silently
 * to the pure-JS CPU backend, which is about 250x slower on a matmul.
 */
// First: it chooses the kernel library before TensorFlow loads (tensorflow-kernels.ts says why).
import './tensorflow-kernels';
import * as tf from '@tensorflow/tfjs-node';

const backend = tf.getBackend();
if (backend !== 'tensorflow') {
  throw new Error(
    `tfjs backend is '${backend}', not 'tensorflow': the native addon did not load. ` +
      'Fix: run `npm run setup` (builds the addon against the pinned TensorFlow C library).',
  );
}

export { tf };

