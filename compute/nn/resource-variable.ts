/**
 * TensorFlow resource variables driven directly through the tfjs-node kernel backend.
 *
 * Why not tf.variable: an Adam step written with tfjs ops is about a dozen element-wise kernels
 * per weight tensor, each allocating a fresh output; for the stacked generator weights of a fold
 * (tens of millions of floats) that costs more than all the matmuls of an iteration. TensorFlow's
 * fused `ResourceApplyAdam` kernel does the whole update in place in one multithreaded pass
 * (measured: 16 ms instead of about 100 ms for 8.7 M floats), but it needs resource variables,
 * which tfjs does not expose. tfjs-node can run any TensorFlow op by name and represents resource
 * handles as string tensors, so we hold the handles ourselves.
 *
 * Reading (`ReadVariableOp`) returns a tensor that aliases the variable's buffer; TensorFlow
 * copies the buffer before an in-place update if such a tensor is still alive, so reads stay
 * correct, and disposing them before the update keeps it in place.
 */
import { tf } from '../tf';

interface OpAttr { name: string; type: number; value: unknown }
interface NodeKernelBackend {
  binding: Record<string, number>;
  executeSingleOutput(name: string, attrs: OpAttr[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: OpAttr[], inputs: tf.Tensor[], numOutputs: number): tf.Tensor[];
}

export function nodeBackend(): NodeKernelBackend {
  const backend = tf.backend() as unknown as Partial<NodeKernelBackend>;
  if (typeof backend.executeSingleOutput !== 'function' || backend.binding === undefined) {
    throw new Error('resource variables need the tfjs-node tensorflow backend');
  }
  return backend as NodeKernelBackend;
}

let nextId = 0;

/** A float32 TensorFlow resource variable. Dispose it (`destroy`) to free its memory. */
export class ResourceVariable {
  readonly handle: tf.Tensor;
  readonly size: number;
  private destroyed = false;

  constructor(readonly name: string, readonly shape: number[], initial: tf.Tensor | Float32Array | 'zeros') {
    const be = nodeBackend();
    const b = be.binding;
    this.size = shape.reduce((a, c) => a * c, 1);
    // A process-unique shared_name: two variables with the same name would share storage.
    this.handle = tf.keep(be.executeSingleOutput('VarHandleOp', [
      { name: 'container', type: b.TF_ATTR_STRING as number, value: '' },
      { name: 'shared_name', type: b.TF_ATTR_STRING as number, value: `serflow_nn_${process.pid}_${nextId++}` },
      { name: 'dtype', type: b.TF_ATTR_TYPE as number, value: b.TF_FLOAT },
      { name: 'shape', type: b.TF_ATTR_SHAPE as number, value: shape },
    ], []));
    this.assign(initial);
  }

  /** The current value, aliasing the variable's buffer until the next in-place update. */
  read(): tf.Tensor {
    this.ensureAlive();
    const be = nodeBackend();
    const t = be.executeSingleOutput('ReadVariableOp', [dtypeAttr()], [this.handle]);
    return t.shape.length === this.shape.length ? t : t.reshape(this.shape);
  }

  /** Sets the value; a tensor argument stays the caller's to dispose. */
  assign(value: tf.Tensor | Float32Array | 'zeros'): void {
    this.ensureAlive();
    tf.tidy(() => {
      const t = value === 'zeros' ? tf.zeros(this.shape) : value instanceof Float32Array ? tf.tensor(value, this.shape, 'float32') : value;
      if (t.size !== this.size) throw new Error(`${this.name}: assign of ${t.size} values to a variable of ${this.size}`);
      const be = nodeBackend();
      be.executeMultipleOutputs('AssignVariableOp', [dtypeAttr(), { name: 'validate_shape', type: be.binding.TF_ATTR_BOOL as number, value: false }], [this.handle, t.reshape(this.shape)], 0);
    });
  }

  /** Copies the value out (one device-to-JS copy). */
  values(): Float32Array {
    const t = this.read();
    try {
      return t.dataSync() as Float32Array;
    } finally {
      t.dispose();
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    const be = nodeBackend();
    be.executeMultipleOutputs('DestroyResourceOp', [{ name: 'ignore_lookup_error', type: be.binding.TF_ATTR_BOOL as number, value: true }], [this.handle], 0);
    this.handle.dispose();
    this.destroyed = true;
  }

  private ensureAlive(): void {
    if (this.destroyed) throw new Error(`resource variable ${this.name} was destroyed`);
  }
}

function dtypeAttr(): OpAttr {
  const b = nodeBackend().binding;
  return { name: 'dtype', type: b.TF_ATTR_TYPE as number, value: b.TF_FLOAT };
}
