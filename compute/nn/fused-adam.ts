/**
 * Adam over resource variables with TensorFlow's fused `ResourceApplyAdam` kernel (one in-place
 * pass per weight tensor; see resource-variable.ts for why). The moments and the step count are
 * explicit state so a checkpoint can hold them and a resumed run continues the same trajectory.
 *
 * The update is TensorFlow's: lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t),
 * w -= lr_t * m / (sqrt(v) + epsilon).
 */
import { tf } from '../tf';
import { nodeBackend, ResourceVariable } from './resource-variable';

export interface AdamHyper { beta1: number; beta2: number; epsilon: number }

export class FusedAdam {
  readonly m: ResourceVariable[];
  readonly v: ResourceVariable[];
  /** Updates applied so far (Adam's t). */
  step = 0;

  constructor(readonly name: string, readonly params: ResourceVariable[], readonly hyper: AdamHyper) {
    this.m = params.map((p) => new ResourceVariable(`${name}.m.${p.name}`, p.shape, 'zeros'));
    this.v = params.map((p) => new ResourceVariable(`${name}.v.${p.name}`, p.shape, 'zeros'));
  }

  /** Applies one update. `grads[i]` belongs to `params[i]`; the caller disposes the gradients. */
  apply(grads: tf.Tensor[], lr: number): void {
    if (grads.length !== this.params.length) throw new Error(`${this.name}: ${grads.length} gradients for ${this.params.length} parameters`);
    this.step += 1;
    const { beta1, beta2, epsilon } = this.hyper;
    const be = nodeBackend();
    const b = be.binding;
    const attrs = [
      { name: 'T', type: b.TF_ATTR_TYPE as number, value: b.TF_FLOAT },
      { name: 'use_locking', type: b.TF_ATTR_BOOL as number, value: false },
      { name: 'use_nesterov', type: b.TF_ATTR_BOOL as number, value: false },
    ];
    tf.tidy(() => {
      const scalars = [beta1 ** this.step, beta2 ** this.step, lr, beta1, beta2, epsilon].map((x) => tf.scalar(x, 'float32'));
      this.params.forEach((p, i) => {
        const m = this.m[i] as ResourceVariable;
        const v = this.v[i] as ResourceVariable;
        be.executeMultipleOutputs('ResourceApplyAdam', attrs, [p.handle, m.handle, v.handle, ...scalars, grads[i] as tf.Tensor], 0);
      });
    });
  }

  /** Zeroes the moments and the step count (a fresh optimiser over the same parameters). */
  reset(): void {
    for (const s of [...this.m, ...this.v]) s.assign('zeros');
    this.step = 0;
  }

  destroy(): void {
    for (const s of [...this.m, ...this.v]) s.destroy();
  }
}
