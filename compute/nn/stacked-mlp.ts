/**
 * MLPs stacked along a leading "class" axis: weights [C, in, out], biases [C, 1, out], inputs
 * [C, N, in]. One batched matmul then evaluates the same layer of all C class networks, which
 * is how one fold's five class GANs train in a single graph (fewer, larger kernels). With C = 1
 * it is a plain MLP. Networks are plain weight tensors and functions (no tf.layers) so that
 * second-order gradients, batching and checkpointing see every parameter explicitly.
 */
import { tf } from '../tf';
import type { Rng } from '../random';
import { nodeBackend } from './resource-variable';

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
  return stackedMlpForwardTraced(params, x, slope, activation).output;
}

/** What a traced forward pass keeps for the hand-written backward pass. */
export interface MlpTrace {
  /** The input of every layer: `inputs[0]` = x, `inputs[l]` = the activation after hidden layer l. */
  inputs: tf.Tensor[];
  /** The last layer's linear output. */
  output: tf.Tensor;
}

/**
 * The forward pass, keeping every layer's input for stackedMlpBackward, which assumes a leaky
 * ReLU with this slope (either form of compute/cyclegan/leaky-relu.ts: it reads the derivative off
 * the sign).
 */
export function stackedMlpForwardTraced(params: tf.Tensor[], x: tf.Tensor, slope: number, activation: Activation = (h, a) => tf.leakyRelu(h, a)): MlpTrace {
  const inputs: tf.Tensor[] = [x];
  const layers = params.length / 2;
  let h = x;
  for (let l = 0; l < layers; l++) {
    h = tf.add(tf.matMul(h, params[2 * l] as tf.Tensor), params[2 * l + 1] as tf.Tensor);
    if (l + 1 < layers) {
      h = activation(h, slope);
      inputs.push(h);
    }
  }
  return { inputs, output: h };
}

/**
 * Backpropagates dOutput (the loss gradient of `trace.output`) through the layers by hand:
 * returns the gradient of every layer's pre-activation (`deltas[l]`, shaped like layer l's
 * output) and, if asked, of the input x. Weight gradients are left to the caller
 * (`stackedMlpWeightGradients`), so that several passes through the same weights (the cycle's
 * two generator passes) can be summed in one matmul instead of one matmul per pass plus an add
 * of two full weight-sized tensors, which is what automatic differentiation does.
 *
 * The leaky ReLU's derivative is read off its output (TensorFlow's LeakyReluGrad looks at the
 * sign only, and the output has the input's sign for any slope >= 0).
 */
export function stackedMlpBackward(params: tf.Tensor[], trace: MlpTrace, dOutput: tf.Tensor, slope: number, inputGradient: boolean): { deltas: tf.Tensor[]; dInput?: tf.Tensor } {
  const layers = params.length / 2;
  const deltas: tf.Tensor[] = new Array<tf.Tensor>(layers);
  let delta = dOutput;
  for (let l = layers - 1; l >= 0; l--) {
    deltas[l] = delta;
    if (l === 0 && !inputGradient) break;
    const dIn = tf.matMul(delta, params[2 * l] as tf.Tensor, false, true);
    if (l === 0) return { deltas, dInput: dIn };
    delta = leakyReluGrad(dIn, trace.inputs[l] as tf.Tensor, slope);
  }
  return { deltas };
}

/** How a layer's bias gradient is summed over the samples of its delta [C, N, out] -> [C, 1, out]. */
export type BiasGradient = (delta: tf.Tensor) => tf.Tensor;

/** A Sum over the sample axis. */
export const summedBiasGradient: BiasGradient = (delta) => tf.sum(delta, 1, true);

/**
 * The same sum as one batched product with ones ([C, 1, N] @ delta), whose result for a network
 * does not depend on where it sits in the stack. A Sum's does, when `out` is not a multiple of
 * the vector width: which outputs are added in vector lanes and which one by one follows their
 * offset in the whole tensor (measured: 41 of 9,880 last-layer bias values of a network at stack
 * position 5 differ in the last bit from the same network at position 0, D = 988). A GAN group
 * (compute/cyclegan/trainer.ts) puts a GAN's networks at other positions than training it alone.
 */
export const stackPositionFreeBiasGradient: BiasGradient = (delta) => {
  const [stack, samples] = delta.shape as [number, number, number];
  return tf.matMul(tf.ones([stack, 1, samples]), delta);
};

/**
 * Weight and bias gradients [dW1, db1, ...] of layers traversed by one or more passes: pass p
 * contributed `traces[p].inputs[l]` and `deltas[p][l]`; the passes are concatenated along the
 * sample axis so that each weight gradient is a single matmul.
 */
export function stackedMlpWeightGradients(traces: MlpTrace[], deltas: tf.Tensor[][], biasGradient: BiasGradient = summedBiasGradient): tf.Tensor[] {
  const layers = (deltas[0] as tf.Tensor[]).length;
  const joined = (xs: tf.Tensor[]): tf.Tensor => (xs.length === 1 ? (xs[0] as tf.Tensor) : tf.concat(xs, 1));
  const grads: tf.Tensor[] = [];
  for (let l = 0; l < layers; l++) {
    const a = joined(traces.map((t) => t.inputs[l] as tf.Tensor));
    const d = joined(deltas.map((ds) => ds[l] as tf.Tensor));
    grads.push(tf.matMul(a, d, true, false), biasGradient(d));
  }
  return grads;
}

/**
 * dy * (1 if y > 0 else slope), where y is the leaky ReLU's output (or input: same sign), as
 * TensorFlow's one-kernel LeakyReluGrad (tfjs would run Greater, Mul and Select). Not
 * differentiable itself: only for the hand-written backward pass.
 */
export function leakyReluGrad(dy: tf.Tensor, y: tf.Tensor, slope: number): tf.Tensor {
  const be = nodeBackend();
  return be.executeSingleOutput('LeakyReluGrad', [
    { name: 'alpha', type: be.binding.TF_ATTR_FLOAT as number, value: slope },
    { name: 'T', type: be.binding.TF_ATTR_TYPE as number, value: be.binding.TF_FLOAT },
  ], [dy, y]);
}
