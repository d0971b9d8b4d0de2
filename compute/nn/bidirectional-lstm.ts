/**
 * An LSTM layer over a whole sequence in one TensorFlow kernel, and the bidirectional layer made
 * of two of them.
 *
 * Why not tf.layers.lstm or tf.basicLSTMCell: those run a dozen small kernels per time step, and
 * their gradients twice as many, each a separate trip through tfjs's engine and tape (at 150 time
 * steps, two directions and a backward pass, thousands of kernel launches per mini-batch).
 * TensorFlow's `BlockLSTMV2` runs the whole recurrence in one kernel (one matmul of [x_t, h_t-1]
 * with the fused gate weights per step, inside C++), and `BlockLSTMGradV2` the whole
 * backpropagation through time; tfjs-node can run any TensorFlow kernel by name, so the layer is
 * a tf.customGrad whose backward is that kernel. test/unit/compute/classify/acrnn.test.ts checks
 * both against an LSTM written with tfjs ops and differentiated by tfjs.
 *
 * The cell is Keras's (and TensorFlow's BasicLSTMCell without peepholes or clipping):
 *   [i, f, g, o] = [x_t, h_{t-1}] W + b   (gate order i, f, g, o: BlockLSTMV2's "IFCO")
 *   c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g),   h_t = sigmoid(o) * tanh(c_t)
 * starting from zero state. Sequences are time-major: x is [time, batch, features].
 */
import { tf } from '../tf';
import { nodeBackend } from './resource-variable';

/** One direction's weights: kernel [inputs + units, 4 * units] (input rows first), bias [4 * units]. */
export interface LstmWeights {
  kernel: tf.Tensor;
  bias: tf.Tensor;
}

/** The kernel and bias shapes of an LSTM of `units` cells over `inputs` features. */
export function lstmShapes(inputs: number, units: number): { kernel: number[]; bias: number[] } {
  return { kernel: [inputs + units, 4 * units], bias: [4 * units] };
}

/** Hidden states [time, batch, units] of an LSTM over x [time, batch, inputs]. Differentiable. */
export function lstm(x: tf.Tensor3D, weights: LstmWeights): tf.Tensor3D {
  return blockLstm(x, weights.kernel, weights.bias) as tf.Tensor3D;
}

/**
 * Forward and backward LSTMs over x [time, batch, inputs], their hidden states concatenated per
 * time step: [time, batch, 2 * units], forward first. The backward LSTM reads the sequence from
 * its last time step to its first.
 */
export function bidirectionalLstm(x: tf.Tensor3D, forward: LstmWeights, backward: LstmWeights): tf.Tensor3D {
  const ahead = lstm(x, forward);
  const behind = tf.reverse(lstm(tf.reverse(x, 0), backward), 0);
  return tf.concat([ahead, behind], 2);
}

const blockLstm = tf.customGrad(((x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor, save: tf.GradSaveFunc) => {
  const [time, batch] = x.shape as [number, number, number];
  const units = (bias.shape[0] as number) / 4;
  const be = nodeBackend();
  const b = be.binding;
  const typeAttr = { name: 'T', type: b.TF_ATTR_TYPE as number, value: b.TF_FLOAT };
  const noPeephole = { name: 'use_peephole', type: b.TF_ATTR_BOOL as number, value: false };
  // Zero initial state and unused peephole weights, made per call (the kernels require them).
  const fixedInputs = (): tf.Tensor[] => {
    const state = tf.zeros([batch, units]);
    const peephole = tf.zeros([units]);
    return [state, state, peephole, peephole, peephole];
  };
  const steps = int64Scalar(time);
  const fixed = fixedInputs();
  // Outputs: i, cs, f, o, ci, co, h (gate activations and cell states per step; h last).
  const outs = be.executeMultipleOutputs('BlockLSTMV2', [{ name: 'cell_clip', type: b.TF_ATTR_FLOAT as number, value: 0 }, noPeephole, typeAttr], [
    steps, x, ...fixed.slice(0, 2), kernel, ...fixed.slice(2), bias,
  ], 7);
  steps.dispose();
  tf.dispose(fixed);
  const h = outs[6] as tf.Tensor;
  save([x, kernel, bias, ...outs]);
  tf.dispose(outs.slice(0, 6));
  return {
    value: h,
    gradFunc: (dh: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sKernel, sBias, ...activations] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, ...tf.Tensor[]];
      const gradSteps = int64Scalar(time);
      const gradFixed = fixedInputs();
      // No gradient flows into the final cell state: only the hidden states are used.
      const noCellGrad = tf.zerosLike(dh);
      // Outputs: x, cs_prev, h_prev, w, wci, wcf, wco, b gradients.
      const grads = be.executeMultipleOutputs('BlockLSTMGradV2', [noPeephole, typeAttr], [
        gradSteps, sx, ...gradFixed.slice(0, 2), sKernel, ...gradFixed.slice(2), sBias, ...activations, noCellGrad, dh,
      ], 8);
      gradSteps.dispose();
      tf.dispose([...gradFixed, noCellGrad, grads[1] as tf.Tensor, grads[2] as tf.Tensor, grads[4] as tf.Tensor, grads[5] as tf.Tensor, grads[6] as tf.Tensor]);
      return [grads[0] as tf.Tensor, grads[3] as tf.Tensor, grads[7] as tf.Tensor];
    },
  };
  // customGrad's declared parameter type is a variadic union; this function takes (x, kernel, bias, save).
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor) => tf.Tensor;

/**
 * An int64 scalar tensor for a kernel input (BlockLSTM's sequence length). tfjs has no int64
 * dtype, and tfjs-node's own Int64Scalar leaks its native handle on every use (about 1 KB per
 * call, measured); this one is an ordinary tensor to tfjs, freed by dispose(). Never read it: tfjs
 * believes it holds int32.
 */
function int64Scalar(value: number): tf.Tensor {
  const be = nodeBackend() as unknown as { binding: { createTensor(shape: number[], dtype: number, values: Int32Array): number; TF_INT64: number; TF_INT32: number }; createOutputTensor(meta: { shape: number[]; dtype: number; id: number }): tf.Tensor };
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** 31) throw new RangeError(`int64Scalar: ${value} is not a non-negative 32-bit integer`);
  // Little-endian low and high words.
  const id = be.binding.createTensor([], be.binding.TF_INT64, new Int32Array([value, 0]));
  return be.createOutputTensor({ shape: [], dtype: be.binding.TF_INT32, id });
}
